import Contract
import Domain
import RPCCore
import RPCServer
import Wire

/// `careerai.v1.RunService` over the domain's RunService.
public struct RunRPCService: RPCService {

    private let runs: RunService

    public init(runs: RunService) {
        self.runs = runs
    }

    public func registerMethods(with router: inout RPCRouter) {
        router.unary(Methods.RunService.startJobPack) { (request: StartJobPackRequest, context) in
            Self.message(
                try await runs.start(
                    .jobPack(
                        jobTitle: request.jobTitle, company: request.company, jobDescription: request.jobDescription,
                        resumeText: request.resumeText),
                    by: try context.requirePrincipal(), idempotencyKey: context.metadata[MetadataKey.idempotencyKey]))
        }
        router.unary(Methods.RunService.startSkillMapper) { (request: StartSkillMapperRequest, context) in
            Self.message(
                try await runs.start(
                    .skillMapper(
                        profilePortalURL: request.profilePortalURL, profileText: request.profileText,
                        resumeText: request.resumeText),
                    by: try context.requirePrincipal(), idempotencyKey: context.metadata[MetadataKey.idempotencyKey]))
        }
        router.unary(Methods.RunService.getRun) { (request: GetRunRequest, context) in
            Self.message(try await runs.get(id: request.id, by: try context.requirePrincipal()))
        }
        router.unary(Methods.RunService.listRuns) { (request: ListRunsRequest, context) in
            let page = try await runs.list(
                by: try context.requirePrincipal(), pageSize: request.pageSize, pageToken: request.pageToken)
            var response = ListRunsResponse()
            response.runs = page.runs.map(Self.message)
            response.nextPageToken = page.next
            return response
        }
        router.serverStreaming(Methods.RunService.watchRun) {
            (request: WatchRunRequest, context, writer: RPCResponseWriter<RunMessage>) in
            try await runs.watch(id: request.id, by: try context.requirePrincipal()) { run in
                try await writer.send(Self.message(run))
            }
        }
        router.serverStreaming(Methods.RunService.getRunPdf) {
            (request: GetRunPdfRequest, context, writer: RPCResponseWriter<RunPdfChunkMessage>) in
            let pdf = try await runs.pdf(id: request.id, by: try context.requirePrincipal())
            var offset = 0
            while offset < pdf.count {
                let end = min(offset + Self.pdfChunkBytes, pdf.count)
                var chunk = RunPdfChunkMessage()
                chunk.data = Array(pdf[offset..<end])
                try await writer.send(chunk)
                offset = end
            }
        }
    }

    /// A PDF's pieces: well under the frame limit, few enough frames for a large file.
    public static let pdfChunkBytes = 64 * 1024

    public static func message(_ run: Run) -> RunMessage {
        var message = RunMessage()
        message.id = run.id
        message.kind = run.kind.rawValue
        message.status = run.status.rawValue
        var cost = RunCostMessage()
        cost.currency = run.cost.currency.rawValue
        cost.amount = run.cost.amount
        message.cost = cost
        message.createdAtUnix = run.createdAtUnix
        message.updatedAtUnix = run.updatedAtUnix
        message.errorReason = run.errorReason ?? ""
        message.resultJSON = run.resultJSON ?? ""
        var usage = RunUsageMessage()
        usage.model = run.usage.model
        usage.promptTokens = run.usage.promptTokens
        usage.completionTokens = run.usage.completionTokens
        usage.cachedTokens = run.usage.cachedTokens
        usage.modelCalls = run.usage.modelCalls
        message.usage = usage
        return message
    }
}
