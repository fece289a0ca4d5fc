import Contract
import Hummingbird

/// The synchronous tools: Internship Finder and Referral Trainer.
enum ToolRoutes {
    static func routes() -> [Route] {
        [
            Route(
                .post, "/v1/internships:find", access: .session,
                summary: "Internship Finder: suggestions for interests and skills",
                input: .body(MessageSchema(FindInternshipsRequest.self)),
                answer: .message(
                    protoName: "FindInternshipsResponse", schema: MessageSchema(FindInternshipsResponse.self))
            ) { call throws(RESTError) in try await call.forward(Methods.ToolService.findInternships) },
            Route(
                .post, "/v1/referrals:draft", access: .session,
                summary: "Referral Trainer: messages asking for a referral",
                input: .body(MessageSchema(DraftReferralRequest.self)),
                answer: .message(protoName: "DraftReferralResponse", schema: MessageSchema(DraftReferralResponse.self))
            ) { call throws(RESTError) in try await call.forward(Methods.ToolService.draftReferral) },
        ]
    }
}
