import Contract
import RPCCore
import Wire

/// Typed calls of `careerai.v1.RunService`.
public struct RunClient: Sendable {
    let client: CareerAIClient

    public func startJobPack(_ request: StartJobPackRequest, idempotencyKey: String? = nil, timeoutMs: UInt32? = nil)
        async throws(RPCError) -> RunMessage
    {
        try await client.unary(
            Methods.RunService.startJobPack, request,
            metadata: idempotencyKey.map { [MetadataKey.idempotencyKey: $0] } ?? [:], timeoutMs: timeoutMs)
    }

    public func startSkillMapper(
        _ request: StartSkillMapperRequest, idempotencyKey: String? = nil,
        timeoutMs: UInt32? = nil
    ) async throws(RPCError) -> RunMessage {
        try await client.unary(
            Methods.RunService.startSkillMapper, request,
            metadata: idempotencyKey.map { [MetadataKey.idempotencyKey: $0] } ?? [:], timeoutMs: timeoutMs)
    }

    public func get(id: String, timeoutMs: UInt32? = nil) async throws(RPCError) -> RunMessage {
        var request = GetRunRequest()
        request.id = id
        return try await client.unary(Methods.RunService.getRun, request, timeoutMs: timeoutMs)
    }

    public func list(pageSize: Int32 = 0, pageToken: String = "", timeoutMs: UInt32? = nil) async throws(RPCError)
        -> ListRunsResponse
    {
        var request = ListRunsRequest()
        request.pageSize = pageSize
        request.pageToken = pageToken
        return try await client.unary(Methods.RunService.listRuns, request, timeoutMs: timeoutMs)
    }

    /// One message per status change until a final state.
    public func watch(id: String, timeoutMs: UInt32? = nil) async throws(RPCError) -> RPCResponseStream<RunMessage> {
        var request = WatchRunRequest()
        request.id = id
        return try await client.serverStreaming(Methods.RunService.watchRun, request, timeoutMs: timeoutMs)
    }

    /// A succeeded Job Pack's PDF, its chunks joined; refused past `maxBytes`.
    public func pdf(id: String, maxBytes: Int = 32 << 20, timeoutMs: UInt32? = nil) async throws(RPCError) -> [UInt8] {
        var request = GetRunPdfRequest()
        request.id = id
        let stream = try await client.serverStreaming(Methods.RunService.getRunPdf, request, timeoutMs: timeoutMs)
        var pdf: [UInt8] = []
        var chunks = stream.makeAsyncIterator()
        while let chunk = try await chunks.next() {
            pdf += chunk.data
            guard pdf.count <= maxBytes else {
                throw RPCError(.resourceExhausted, "the PDF is larger than \(maxBytes) bytes")
            }
        }
        return pdf
    }
}

extension CareerAIClient {
    public var runs: RunClient { RunClient(client: self) }
}
