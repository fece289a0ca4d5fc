import Contract
import RPCCore
import Wire

/// Typed calls of `careerai.v1.ToolService`.
public struct ToolClient: Sendable {
    let client: CareerAIClient

    public func findInternships(
        _ request: FindInternshipsRequest, idempotencyKey: String? = nil, timeoutMs: UInt32? = nil
    ) async throws(RPCError) -> FindInternshipsResponse {
        try await client.unary(
            Methods.ToolService.findInternships, request,
            metadata: idempotencyKey.map { [MetadataKey.idempotencyKey: $0] } ?? [:], timeoutMs: timeoutMs)
    }

    public func draftReferral(_ request: DraftReferralRequest, idempotencyKey: String? = nil, timeoutMs: UInt32? = nil)
        async throws(RPCError) -> DraftReferralResponse
    {
        try await client.unary(
            Methods.ToolService.draftReferral, request,
            metadata: idempotencyKey.map { [MetadataKey.idempotencyKey: $0] } ?? [:], timeoutMs: timeoutMs)
    }
}

extension CareerAIClient {
    public var tools: ToolClient { ToolClient(client: self) }
}
