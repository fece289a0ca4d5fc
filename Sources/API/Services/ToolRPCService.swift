import Contract
import Domain
import RPCCore
import RPCServer
import Wire

/// `careerai.v1.ToolService` over the domain's ToolService: the synchronous tools.
public struct ToolRPCService: RPCService {
    private let tools: ToolService

    public init(tools: ToolService) {
        self.tools = tools
    }

    public func registerMethods(with router: inout RPCRouter) {
        router.unary(Methods.ToolService.findInternships) { (request: FindInternshipsRequest, context) in
            let result = try await tools.findInternships(
                InternshipQuery(
                    interests: request.interests, skills: request.skills, location: request.location,
                    resumeText: request.resumeText),
                by: try context.requirePrincipal(), idempotencyKey: context.metadata[MetadataKey.idempotencyKey],
                timeLeft: context.timeRemaining)
            var response = FindInternshipsResponse()
            response.suggestions = result.suggestions.map { suggestion in
                var message = InternshipSuggestionMessage()
                message.title = suggestion.title
                message.field = suggestion.field
                message.whyFit = suggestion.whyFit
                message.searchKeywords = suggestion.searchKeywords
                message.skillsToHighlight = suggestion.skillsToHighlight
                return message
            }
            return response
        }
        router.unary(Methods.ToolService.draftReferral) { (request: DraftReferralRequest, context) in
            let draft = try ReferralTool.request(
                company: request.company, role: request.role, contactName: request.contactName,
                relationship: request.relationship, highlights: request.highlights)
            let messages = try await tools.draftReferral(
                draft, by: try context.requirePrincipal(), idempotencyKey: context.metadata[MetadataKey.idempotencyKey])
            var response = DraftReferralResponse()
            response.messages = messages.map { message in
                var wire = ReferralMessageMessage()
                wire.channel = message.channel
                wire.subject = message.subject
                wire.body = message.body
                return wire
            }
            return response
        }
    }
}
