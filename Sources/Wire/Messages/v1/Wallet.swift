import CareerAIProtoC

// Swift types for Proto/careerai/v1/wallet.proto.

public struct WalletMessage: WireMessage {
    public var silver: Int64 = 0
    public var gold: Int64 = 0
    public var updatedAtUnix: Int64 = 0

    public init() {}

    public static let wireSchema = WireSchema<WalletMessage>(careerai__v1__wallet__init, [
        .int64(1, "silver", \.silver),
        .int64(2, "gold", \.gold),
        .int64(3, "updated_at_unix", \.updatedAtUnix),
    ])
}

public struct GetWalletRequest: WireMessage {

    public init() {}

    public static let wireSchema = WireSchema<GetWalletRequest>(careerai__v1__get_wallet_request__init, [
    ])
}

public struct CreditTransactionMessage: WireMessage {
    public var id: String = ""
    public var userID: String = ""
    public var universityID: String = ""
    public var feature: String = ""
    public var currency: String = ""
    public var amount: Int64 = 0
    public var type: String = ""
    public var runID: String = ""
    public var status: String = ""
    public var metadata: String = ""
    public var timestamp: Int64 = 0

    public init() {}

    public static let wireSchema = WireSchema<CreditTransactionMessage>(careerai__v1__credit_transaction__init, [
        .string(1, "id", \.id),
        .string(2, "user_id", \.userID),
        .string(3, "university_id", \.universityID),
        .string(4, "feature", \.feature),
        .string(5, "currency", \.currency),
        .int64(6, "amount", \.amount),
        .string(7, "type", \.type),
        .string(8, "run_id", \.runID),
        .string(9, "status", \.status),
        .string(10, "metadata", \.metadata),
        .int64(11, "timestamp", \.timestamp),
    ])
}

public struct ListTransactionsRequest: WireMessage {
    public var pageSize: Int32 = 0
    public var pageToken: String = ""

    public init() {}

    public static let wireSchema = WireSchema<ListTransactionsRequest>(careerai__v1__list_transactions_request__init, [
        .int32(1, "page_size", \.pageSize),
        .string(2, "page_token", \.pageToken),
    ])
}

public struct ListTransactionsResponse: WireMessage {
    public var transactions: [CreditTransactionMessage] = []
    public var nextPageToken: String = ""

    public init() {}

    public static let wireSchema = WireSchema<ListTransactionsResponse>(careerai__v1__list_transactions_response__init, [
        .repeatedMessage(1, "transactions", \.transactions),
        .string(2, "next_page_token", \.nextPageToken),
    ])
}

public struct TopUpRequest: WireMessage {
    public var userID: String = ""
    public var currency: String = ""
    public var amount: Int64 = 0
    public var reason: String = ""

    public init() {}

    public static let wireSchema = WireSchema<TopUpRequest>(careerai__v1__top_up_request__init, [
        .string(1, "user_id", \.userID),
        .string(2, "currency", \.currency),
        .int64(3, "amount", \.amount),
        .string(4, "reason", \.reason),
    ])
}

public struct TopUpResponse: WireMessage {
    public var wallet: WalletMessage? = nil
    public var transaction: CreditTransactionMessage? = nil

    public init() {}

    public static let wireSchema = WireSchema<TopUpResponse>(careerai__v1__top_up_response__init, [
        .message(1, "wallet", \.wallet),
        .message(2, "transaction", \.transaction),
    ])
}

public struct FeatureCostMessage: WireMessage {
    public var feature: String = ""
    public var plan: String = ""
    public var currency: String = ""
    public var amount: Int64 = 0

    public init() {}

    public static let wireSchema = WireSchema<FeatureCostMessage>(careerai__v1__feature_cost__init, [
        .string(1, "feature", \.feature),
        .string(2, "plan", \.plan),
        .string(3, "currency", \.currency),
        .int64(4, "amount", \.amount),
    ])
}

public struct GetFeatureCostsRequest: WireMessage {

    public init() {}

    public static let wireSchema = WireSchema<GetFeatureCostsRequest>(careerai__v1__get_feature_costs_request__init, [
    ])
}

public struct GetFeatureCostsResponse: WireMessage {
    public var costs: [FeatureCostMessage] = []

    public init() {}

    public static let wireSchema = WireSchema<GetFeatureCostsResponse>(careerai__v1__get_feature_costs_response__init, [
        .repeatedMessage(1, "costs", \.costs),
    ])
}
