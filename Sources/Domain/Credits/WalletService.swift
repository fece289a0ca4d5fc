import Foundation

/// Wallets, the ledger and top-ups. Every balance change is a ledger row in the same transaction.
public struct WalletService: Sendable {
    public static let maxTopUpAmount: Int64 = 1_000_000
    public static let maxReasonLength = 500
    public static let maxIdempotencyKeyBytes = 128

    private let store: any WalletStore
    public let costs: FeatureCosts
    private let clock: any WallClock

    public init(store: any WalletStore, costs: FeatureCosts, clock: any WallClock = SystemWallClock()) {
        self.store = store
        self.costs = costs
        self.clock = clock
    }

    public func wallet(of principal: Principal) async throws -> Wallet {
        let user = principal.user
        return try await store.transaction { tx in
            guard let wallet = try tx.wallet(in: user.universityID, userID: user.id) else {
                throw DomainError(
                    .notFound, reason: .walletNotFound, "you have no wallet yet; sign in again to open it")
            }
            return wallet
        }
    }

    public func transactions(of principal: Principal, pageSize: Int32, pageToken: String) async throws -> (
        entries: [LedgerEntry], next: String
    ) {
        let user = principal.user
        let page = try await PageCursor.page(size: pageSize, token: pageToken) { cursor, limit in
            try await store.transaction { tx in
                try tx.entries(in: user.universityID, userID: user.id, after: cursor, limit: limit)
            }
        }
        return (page.rows, page.next)
    }

    /// Adds credits to a user: university admins, of their own university; platform admins, of any
    /// university (the ledger row belongs to the user's university and names the admin in `by`).
    /// The same `idempotencyKey` returns the first top-up again.
    /// The student is `userID` (any university's for a platform admin) or `email` (a student of the
    /// caller's own university: an address names no one platform-wide); exactly one of them.
    public func topUp(
        by principal: Principal, userID requestedUserID: String, email: String = "", currency currencyName: String,
        amount: Int64, reason: String, idempotencyKey: String?
    ) async throws -> (wallet: Wallet, entry: LedgerEntry) {
        guard let currency = Currency(rawValue: currencyName) else {
            throw DomainError.invalidField("currency", "must be silver or gold")
        }
        guard amount > 0, amount <= Self.maxTopUpAmount else {
            throw DomainError.invalidField("amount", "must be 1 to \(Self.maxTopUpAmount)")
        }
        guard reason.count <= Self.maxReasonLength else {
            throw DomainError.invalidField("reason", "at most \(Self.maxReasonLength) characters")
        }
        let address: String?
        switch (requestedUserID.isEmpty, email.isEmpty) {
        case (false, true):
            guard requestedUserID.utf8.count <= 64 else {
                throw DomainError.invalidField("user_id", "must name a user")
            }
            address = nil
        case (true, false): address = try EmailAddress.normalize(email).address
        case (true, true): throw DomainError.invalidField("user_id", "name the student by user_id or by email")
        case (false, false):
            throw DomainError.invalidField("email", "name the student by user_id or by email, not both")
        }
        let key = try Self.validKey(idempotencyKey)
        let callerUniversity = principal.user.universityID
        let platformWide = principal.user.role == .platformAdmin
        let now = clock.nowUnix
        let metadata = LedgerEntry.metadata(["reason": reason, "by": principal.user.id])
        // A key is the sender's: two admins who happen to choose the same key make two top-ups.
        let scopedKey = key.map { "\(principal.user.id):\($0)" }
        return try await store.transaction { tx in
            let userID: String
            if let address {
                guard let user = try tx.user(in: callerUniversity, email: address) else {
                    throw DomainError(
                        .notFound, reason: .userNotFound, "no student \(address.prefix(80)) at your university")
                }
                userID = user.id
            } else {
                userID = requestedUserID
            }
            let university =
                platformWide && address == nil
                ? try tx.universityOfUser(id: userID) ?? callerUniversity : callerUniversity
            if let scopedKey, let earlier = try tx.entry(in: university, userID: userID, idempotencyKey: scopedKey) {
                // The same key is the same request, or a mistake: another currency, amount or reason.
                guard earlier.kind == .topup, earlier.currency == currency, earlier.amount == amount,
                    earlier.metadata == metadata
                else {
                    throw DomainError(
                        .alreadyExists, reason: .idempotencyKeyReused,
                        "this idempotency-key was used for a different request")
                }
                return (try tx.wallet(in: university, userID: userID)!, earlier)
            }
            guard try tx.user(in: university, id: userID) != nil, try tx.wallet(in: university, userID: userID) != nil
            else {
                throw DomainError(
                    .notFound, reason: .userNotFound,
                    platformWide ? "no user \(userID.prefix(64))" : "no user \(userID.prefix(64)) at your university")
            }
            let entry = LedgerEntry(
                id: TimeOrderedID.make(), userID: userID, universityID: university, feature: nil,
                currency: currency, amount: amount, kind: .topup, runID: nil, status: .completed,
                metadata: metadata, idempotencyKey: scopedKey, createdAtUnix: now)
            guard try tx.post(entry) else { preconditionFailure("a positive post is never refused") }
            return (try tx.wallet(in: university, userID: userID)!, entry)
        }
    }

    static func validKey(_ key: String?) throws -> String? {
        guard let key, !key.isEmpty else { return nil }
        guard key.utf8.count <= maxIdempotencyKeyBytes,
            key.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0.value < 127 })
        else {
            throw DomainError.invalidField(
                "idempotency-key", "1 to \(maxIdempotencyKeyBytes) printable ASCII characters")
        }
        return key
    }

}
