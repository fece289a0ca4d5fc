/// One stored one-time code request (the code itself is never stored, only its HMAC).
public struct OtpRecord: Sendable, Equatable {
    public var id: String
    public var universityID: UniversityID
    public var email: String
    public var codeHash: String
    public var attempts: Int
    public var consumed: Bool
    public var expiresAtUnix: Int64
    public var createdAtUnix: Int64

    public init(
        id: String, universityID: UniversityID, email: String, codeHash: String, attempts: Int, consumed: Bool,
        expiresAtUnix: Int64, createdAtUnix: Int64
    ) {
        self.id = id
        self.universityID = universityID
        self.email = email
        self.codeHash = codeHash
        self.attempts = attempts
        self.consumed = consumed
        self.expiresAtUnix = expiresAtUnix
        self.createdAtUnix = createdAtUnix
    }
}

/// One stored session (the token itself is never stored, only its SHA-256).
public struct SessionRecord: Sendable, Equatable {
    public var tokenHash: String
    public var userID: String
    public var universityID: UniversityID
    public var createdAtUnix: Int64
    public var expiresAtUnix: Int64
    public var revokedAtUnix: Int64?

    public init(
        tokenHash: String, userID: String, universityID: UniversityID, createdAtUnix: Int64, expiresAtUnix: Int64,
        revokedAtUnix: Int64? = nil
    ) {
        self.tokenHash = tokenHash
        self.userID = userID
        self.universityID = universityID
        self.createdAtUnix = createdAtUnix
        self.expiresAtUnix = expiresAtUnix
        self.revokedAtUnix = revokedAtUnix
    }
}

/// Where sign-in keeps its state. `transaction` runs the body in one database transaction, so a
/// sign-in's steps (code consumed, user and wallet created, session written) happen together or not
/// at all. The body is synchronous: it runs on the database's own thread, never on an event loop.
public protocol AuthStore: Sendable {
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any AuthTransaction) throws -> T) async throws -> T
    /// One read outside a transaction (a single statement is consistent on its own): the session
    /// lookup every signed-in call makes, without BEGIN and COMMIT around it.
    func read<T: Sendable>(_ body: @escaping @Sendable (any AuthTransaction) throws -> T) async throws -> T
}

/// What sign-in may do inside one transaction. Every call is scoped to one university.
public protocol AuthTransaction {
    /// Code requests for the email created at or after `sinceUnix`, newest first, at most `limit`.
    func otps(in university: UniversityID, email: String, sinceUnix: Int64, limit: Int) throws -> [OtpRecord]
    /// Makes other code requests for the email wait until this transaction ends, so that counting
    /// the recent codes and inserting a new one cannot interleave with another request's.
    func lockOtpRequests(in university: UniversityID, email: String) throws
    /// Marks every live code of the email consumed (a new request replaces the previous code).
    func retireOtps(in university: UniversityID, email: String) throws
    func insertOtp(_ otp: OtpRecord) throws
    /// Counts a wrong try unless the code is consumed or already at `maxAttempts`; the new count, or
    /// nil when nothing was counted.
    func countWrongAttempt(otpID: String, maxAttempts: Int) throws -> Int?
    /// Consumes a live code; false when another call consumed it first.
    func consumeOtp(otpID: String) throws -> Bool

    func user(in university: UniversityID, email: String) throws -> User?
    func user(in university: UniversityID, googleID: String) throws -> User?
    /// Inserts the user, opens an empty wallet and posts each of `grants` to it (their starting
    /// credits, `system` rows), through the ledger's one way of moving a balance.
    func createUser(_ user: User, grants: [LedgerEntry]) throws
    /// Marks the email verified and, when given, links the Google account and fills an empty name.
    func markVerified(in university: UniversityID, userID: String, googleID: String?, name: String?) throws

    func insertSession(_ session: SessionRecord) throws
    /// The session with its user and the university's subdomain.
    func session(tokenHash: String) throws -> (session: SessionRecord, user: User, subdomain: String)?
    /// False when there was no such live session.
    func revokeSession(tokenHash: String, nowUnix: Int64) throws -> Bool
}
