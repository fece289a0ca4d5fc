import Contract
import Hummingbird
import JSONTranscoding

/// The university, its prices, the wallet and its ledger, admins' top-ups.
enum AccountRoutes {
    static func routes() -> [Route] {
        [
            Route(
                .get, "/v1/university", access: .open, summary: "The university of this host",
                answer: .message(protoName: "University", schema: MessageSchema(UniversityMessage.self))
            ) { call throws(RESTError) in
                try await call.forward(Methods.UniversityService.getCurrentUniversity, json: .object([]))
            },
            Route(
                .get, "/v1/feature-costs", access: .open, summary: "What each tool costs, per plan",
                answer: .message(
                    protoName: "GetFeatureCostsResponse", schema: MessageSchema(GetFeatureCostsResponse.self))
            ) { call throws(RESTError) in
                try await call.forward(Methods.WalletService.getFeatureCosts, json: .object([]))
            },
            Route(
                .get, "/v1/wallet", access: .session, summary: "The caller's silver and gold credits",
                answer: .message(protoName: "Wallet", schema: MessageSchema(WalletMessage.self))
            ) { call throws(RESTError) in try await call.forward(Methods.WalletService.getWallet, json: .object([])) },
            Route(
                .get, "/v1/wallet/transactions", access: .session,
                summary: "The caller's ledger, newest first, a page at a time",
                input: .query([("pageSize", "integer"), ("pageToken", "string")]),
                answer: .message(
                    protoName: "ListTransactionsResponse", schema: MessageSchema(ListTransactionsResponse.self))
            ) { call throws(RESTError) in
                try await call.forward(
                    Methods.WalletService.listTransactions, json: call.queryJSON(["pageSize", "pageToken"]))
            },
            Route(
                .post, "/v1/admin/top-ups", access: .session, summary: "University admins: grant a student credits",
                input: .body(MessageSchema(TopUpRequest.self)),
                answer: .message(protoName: "TopUpResponse", schema: MessageSchema(TopUpResponse.self))
            ) { call throws(RESTError) in try await call.forward(Methods.WalletService.topUp) },
        ]
    }
}
