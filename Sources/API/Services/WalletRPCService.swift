import Contract
import Domain
import RPCCore
import RPCServer
import Wire

/// `careerai.v1.WalletService` over the domain's WalletService.
public struct WalletRPCService: RPCService {

    private let wallets: WalletService

    public init(wallets: WalletService) {
        self.wallets = wallets
    }

    public func registerMethods(with router: inout RPCRouter) {
        router.unary(Methods.WalletService.getWallet) { (_: GetWalletRequest, context) in
            Self.message(try await wallets.wallet(of: try context.requirePrincipal()))
        }
        router.unary(Methods.WalletService.listTransactions) { (request: ListTransactionsRequest, context) in
            let page = try await wallets.transactions(
                of: try context.requirePrincipal(), pageSize: request.pageSize, pageToken: request.pageToken)
            var response = ListTransactionsResponse()
            response.transactions = page.entries.map(Self.message)
            response.nextPageToken = page.next
            return response
        }
        router.unary(Methods.WalletService.topUp) { (request: TopUpRequest, context) in
            let result = try await wallets.topUp(
                by: try context.requirePrincipal(), userID: request.userID, email: request.email,
                currency: request.currency,
                amount: request.amount,
                reason: request.reason, idempotencyKey: context.metadata[MetadataKey.idempotencyKey])
            var response = TopUpResponse()
            response.wallet = Self.message(result.wallet)
            response.transaction = Self.message(result.entry)
            return response
        }
        router.unary(Methods.WalletService.getFeatureCosts) { (_: GetFeatureCostsRequest, _) in
            var response = GetFeatureCostsResponse()
            for feature in Feature.allCases {
                for plan in Plan.allCases {
                    let cost = wallets.costs.cost(of: feature, plan: plan)
                    var message = FeatureCostMessage()
                    message.feature = feature.rawValue
                    message.plan = plan.rawValue
                    message.currency = cost.currency.rawValue
                    message.amount = cost.amount
                    response.costs.append(message)
                }
            }
            return response
        }
    }

    static func message(_ wallet: Wallet) -> WalletMessage {
        var message = WalletMessage()
        message.silver = wallet.silver
        message.gold = wallet.gold
        message.updatedAtUnix = wallet.updatedAtUnix
        return message
    }

    static func message(_ entry: LedgerEntry) -> CreditTransactionMessage {
        var message = CreditTransactionMessage()
        message.id = entry.id
        message.userID = entry.userID
        message.universityID = entry.universityID.rawValue
        message.feature = entry.feature?.rawValue ?? ""
        message.currency = entry.currency.rawValue
        message.amount = entry.amount
        message.type = entry.kind.rawValue
        message.runID = entry.runID ?? ""
        message.status = entry.status.rawValue
        message.metadata = entry.metadata
        message.timestamp = entry.createdAtUnix
        return message
    }
}
