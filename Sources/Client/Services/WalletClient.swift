import Contract
import RPCCore
import Wire

/// Typed calls of `careerai.v1.WalletService`.
public struct WalletClient: Sendable {
    let client: CareerAIClient

    public func wallet(timeoutMs: UInt32? = nil) async throws(RPCError) -> WalletMessage {
        try await client.unary(Methods.WalletService.getWallet, GetWalletRequest(), timeoutMs: timeoutMs)
    }

    public func transactions(pageSize: Int32 = 0, pageToken: String = "", timeoutMs: UInt32? = nil)
        async throws(RPCError) -> ListTransactionsResponse
    {
        var request = ListTransactionsRequest()
        request.pageSize = pageSize
        request.pageToken = pageToken
        return try await client.unary(Methods.WalletService.listTransactions, request, timeoutMs: timeoutMs)
    }

    /// University admins and platform admins; `idempotencyKey` makes a retry safe. The student is
    /// `userID` or (empty `userID`) `email`, a student of the caller's university.
    public func topUp(
        userID: String, email: String = "", currency: String, amount: Int64, reason: String = "",
        idempotencyKey: String? = nil, timeoutMs: UInt32? = nil
    ) async throws(RPCError) -> TopUpResponse {
        var request = TopUpRequest()
        request.userID = userID
        request.email = email
        request.currency = currency
        request.amount = amount
        request.reason = reason
        return try await client.unary(
            Methods.WalletService.topUp, request,
            metadata: idempotencyKey.map { [MetadataKey.idempotencyKey: $0] } ?? [:], timeoutMs: timeoutMs)
    }

    public func featureCosts(timeoutMs: UInt32? = nil) async throws(RPCError) -> GetFeatureCostsResponse {
        try await client.unary(Methods.WalletService.getFeatureCosts, GetFeatureCostsRequest(), timeoutMs: timeoutMs)
    }
}

extension CareerAIClient {
    public var wallet: WalletClient { WalletClient(client: self) }
}
