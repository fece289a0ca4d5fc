import Foundation

/// A user's balances.
public struct Wallet: Sendable, Equatable {
    public var silver: Int64
    public var gold: Int64
    public var updatedAtUnix: Int64

    public init(silver: Int64, gold: Int64, updatedAtUnix: Int64) {
        self.silver = silver
        self.gold = gold
        self.updatedAtUnix = updatedAtUnix
    }

    public func balance(_ currency: Currency) -> Int64 { currency == .silver ? silver : gold }
}

/// One row of the ledger (`credit_transactions`). Amounts are signed so that a user's rows sum to
/// their wallet: debits negative; refunds, top-ups and grants positive.
public struct LedgerEntry: Sendable, Equatable {
    public enum Kind: String, Sendable { case debit, refund, topup, system }
    public enum Status: String, Sendable { case pending, completed, failed }

    public var id: String
    public var userID: String
    public var universityID: UniversityID
    public var feature: Feature?
    public var currency: Currency
    public var amount: Int64
    public var kind: Kind
    public var runID: String?
    public var status: Status
    /// A JSON object.
    public var metadata: String
    public var idempotencyKey: String?
    public var createdAtUnix: Int64

    public init(
        id: String, userID: String, universityID: UniversityID, feature: Feature?, currency: Currency, amount: Int64,
        kind: Kind, runID: String?, status: Status, metadata: String, idempotencyKey: String?, createdAtUnix: Int64
    ) {
        self.id = id
        self.userID = userID
        self.universityID = universityID
        self.feature = feature
        self.currency = currency
        self.amount = amount
        self.kind = kind
        self.runID = runID
        self.status = status
        self.metadata = metadata
        self.idempotencyKey = idempotencyKey
        self.createdAtUnix = createdAtUnix
    }

    /// The `metadata` column: a JSON object of strings, keys sorted.
    static func metadata(_ object: [String: String]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }
}

extension LedgerEntry {
    /// A new user's starting credits: one completed `system` row per currency with a positive amount.
    public static func grants(to user: User, silver: Int64, gold: Int64, reason: String) -> [LedgerEntry] {
        precondition(silver >= 0 && gold >= 0, "starting credits are validated with the university")
        return [(Currency.silver, silver), (Currency.gold, gold)].filter { $0.1 > 0 }.map { currency, amount in
            LedgerEntry(
                id: TimeOrderedID.make(), userID: user.id, universityID: user.universityID, feature: nil,
                currency: currency, amount: amount, kind: .system, runID: nil, status: .completed,
                metadata: metadata(["reason": reason]), idempotencyKey: nil, createdAtUnix: user.createdAtUnix)
        }
    }
}
