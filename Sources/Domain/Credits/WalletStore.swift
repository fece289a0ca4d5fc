/// Where wallets and the ledger are kept. `transaction` runs the body in one database transaction
/// (repeatable: it may be retried after a serialization failure).
public protocol WalletStore: Sendable {
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any LedgerTransaction) throws -> T) async throws -> T
}

/// What wallet and ledger changes may do inside one transaction. Every call names the university.
///
/// A balance changes only through `post`: the one way to write a ledger row is also the one way to
/// move a balance, so a wallet always equals the sum of its rows.
public protocol LedgerTransaction {
    func user(in university: UniversityID, id: String) throws -> User?
    /// `email` normalized (EmailAddress.normalize).
    func user(in university: UniversityID, email: String) throws -> User?
    /// The university of the user with this id, whichever it is: only for platform-wide callers.
    func universityOfUser(id: String) throws -> UniversityID?
    func wallet(in university: UniversityID, userID: String) throws -> Wallet?
    /// Adds `entry.amount` (signed: debits are negative) to the balance of `entry.currency` and writes
    /// `entry`, both or neither. A negative amount is taken only when the balance covers it (checked
    /// and taken in one conditional statement, so concurrent debits cannot overdraw): false then, and
    /// nothing is written. Throws when the user has no wallet.
    func post(_ entry: LedgerEntry) throws -> Bool
    func entry(in university: UniversityID, userID: String, idempotencyKey: String) throws -> LedgerEntry?
    /// Newest first, strictly after `cursor` when given.
    func entries(in university: UniversityID, userID: String, after cursor: PageCursor?, limit: Int) throws
        -> [LedgerEntry]
    /// Marks the run's debit row `status` (pending → completed or failed; the amount never changes).
    func setDebitStatus(runID: String, _ status: LedgerEntry.Status) throws
}
