import Domain
import Foundation

/// Sign-in state in the SQL database: one-time codes, users and their opening wallets, sessions.
public struct SQLAuthStore: AuthStore {
    private let database: any SQLDatabase

    public init(database: any SQLDatabase) {
        self.database = database
    }

    /// Two first sign-ins of one email at once: the loser's insert hits the unique index, and running
    /// its body again finds the winner's user.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any AuthTransaction) throws -> T) async throws
        -> T
    {
        let dialect = database.dialect
        return try await database.domainTransactionRetryingUniqueViolations { connection in
            try body(SQLAuthTransaction(connection: connection, dialect: dialect))
        }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any AuthTransaction) throws -> T) async throws -> T {
        do {
            let dialect = database.dialect
            return try await database.withConnection { connection in
                try body(SQLAuthTransaction(connection: connection, dialect: dialect))
            }
        } catch let error as StorageError {
            throw error.domainError
        }
    }
}

/// The statements behind `AuthTransaction`; every one filters on `university_id` or a unique hash.
struct SQLAuthTransaction: AuthTransaction {
    let connection: any SQLConnection
    let dialect: SQLDialect
    /// The first key of the two-key advisory locks that serialise code requests per email (the
    /// migrator's one-key lock lives in another key space).
    static let otpRequestLockClass: Int64 = 7_420
    /// The user columns qualified for the session join; built once (every signed-in call runs it).
    static let userColumns = SQLUserRepository.columns.split(separator: ",")
        .map { "u.\($0.trimmingCharacters(in: .whitespaces))" }.joined(separator: ", ")

    func otps(in university: UniversityID, email: String, sinceUnix: Int64, limit: Int) throws -> [OtpRecord] {
        try connection.query(
            """
            SELECT id, university_id, email, code_hash, attempts, consumed, expires_at, created_at FROM otp_requests
            WHERE university_id = $1 AND email = $2 AND created_at >= $3 ORDER BY created_at DESC, id DESC LIMIT $4
            """,
            [.text(university.rawValue), .text(email), .integer(sinceUnix), .integer(Int64(max(1, min(limit, 1000))))]
        ).map { row throws(StorageError) in
            OtpRecord(
                id: try row.text("id"), universityID: UniversityID(try row.text("university_id")),
                email: try row.text("email"),
                codeHash: try row.text("code_hash"), attempts: Int(try row.integer("attempts")),
                consumed: try row.bool("consumed"),
                expiresAtUnix: try row.integer("expires_at"), createdAtUnix: try row.integer("created_at"))
        }
    }

    func lockOtpRequests(in university: UniversityID, email: String) throws {
        // SQLite needs nothing: BEGIN IMMEDIATE already makes every write transaction wait its turn.
        // PostgreSQL runs READ COMMITTED, where two requests could both count the codes before
        // either inserts; a transaction-scoped lock on the address makes them take turns.
        guard dialect == .postgres else { return }
        try connection.query(
            "SELECT pg_advisory_xact_lock($1::int, hashtext($2))",
            [.integer(Self.otpRequestLockClass), .text("\(university.rawValue)|\(email)")])
    }

    func retireOtps(in university: UniversityID, email: String) throws {
        try connection.execute(
            "UPDATE otp_requests SET consumed = TRUE WHERE university_id = $1 AND email = $2 AND consumed = FALSE",
            [.text(university.rawValue), .text(email)])
    }

    func insertOtp(_ otp: OtpRecord) throws {
        try connection.execute(
            """
            INSERT INTO otp_requests (id, university_id, email, code_hash, attempts, consumed, expires_at, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """,
            [
                .text(otp.id), .text(otp.universityID.rawValue), .text(otp.email), .text(otp.codeHash),
                .integer(Int64(otp.attempts)), .bool(otp.consumed), .integer(otp.expiresAtUnix),
                .integer(otp.createdAtUnix),
            ])
    }

    func countWrongAttempt(otpID: String, maxAttempts: Int) throws -> Int? {
        // One conditional statement, so two wrong tries at once both count and none goes past the cap.
        try connection.query(
            """
            UPDATE otp_requests SET attempts = attempts + 1 WHERE id = $1 AND consumed = FALSE AND attempts < $2 RETURNING attempts
            """, [.text(otpID), .integer(Int64(maxAttempts))]
        ).first.map { row throws(StorageError) in Int(try row.integer("attempts")) }
    }

    func consumeOtp(otpID: String) throws -> Bool {
        try connection.execute(
            "UPDATE otp_requests SET consumed = TRUE WHERE id = $1 AND consumed = FALSE", [.text(otpID)]) == 1
    }

    func user(in university: UniversityID, email: String) throws -> User? {
        try SQLUserRepository.user(in: university, email: email, on: connection)
    }

    func user(in university: UniversityID, googleID: String) throws -> User? {
        try connection.query(
            "SELECT \(SQLUserRepository.columns) FROM users WHERE university_id = $1 AND google_id = $2",
            [.text(university.rawValue), .text(googleID)]
        ).first.map(SQLUserRepository.user)
    }

    func createUser(_ user: User, grants: [LedgerEntry]) throws {
        let university = SQLValue.text(user.universityID.rawValue)
        try connection.execute(
            """
            INSERT INTO users (id, university_id, email, name, email_verified, google_id, role, is_pro, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            """,
            [
                .text(user.id), university, .text(user.email), .text(user.name), .bool(user.emailVerified),
                user.googleID.map(SQLValue.text) ?? .null, .text(user.role.rawValue), .bool(user.isPro),
                .integer(user.createdAtUnix),
            ])
        try connection.execute(
            "INSERT INTO credit_wallets (user_id, university_id, silver, gold, updated_at) VALUES ($1, $2, 0, 0, $3)",
            [.text(user.id), university, .integer(user.createdAtUnix)])
        // The ledger explains every balance: each starting grant is posted like any other row.
        for grant in grants {
            precondition(grant.userID == user.id && grant.universityID == user.universityID && grant.amount > 0)
            guard try SQLLedger.post(grant, on: connection) else { preconditionFailure("a grant is never refused") }
        }
    }

    func markVerified(in university: UniversityID, userID: String, googleID: String?, name: String?) throws {
        try connection.execute(
            """
            UPDATE users SET email_verified = TRUE, google_id = COALESCE($3, google_id),
                name = COALESCE(NULLIF(name, ''), $4, name)
            WHERE university_id = $1 AND id = $2
            """,
            [
                .text(university.rawValue), .text(userID), googleID.map(SQLValue.text) ?? .null,
                name.map(SQLValue.text) ?? .null,
            ])
    }

    func insertSession(_ session: SessionRecord) throws {
        try connection.execute(
            """
            INSERT INTO sessions (token_hash, user_id, university_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)
            """,
            [
                .text(session.tokenHash), .text(session.userID), .text(session.universityID.rawValue),
                .integer(session.createdAtUnix), .integer(session.expiresAtUnix),
            ])
    }

    func session(tokenHash: String) throws -> (session: SessionRecord, user: User, subdomain: String)? {
        guard
            let row = try connection.query(
                """
                SELECT s.token_hash, s.created_at AS session_created_at, s.expires_at, s.revoked_at, un.subdomain, \(Self.userColumns)
                FROM sessions s JOIN users u ON u.id = s.user_id AND u.university_id = s.university_id
                JOIN universities un ON un.id = s.university_id
                WHERE s.token_hash = $1
                """, [.text(tokenHash)]
            ).first
        else { return nil }
        let user = try SQLUserRepository.user(row)
        let revokedAt = try row.optionalText("revoked_at").flatMap { Int64($0) }
        let session = SessionRecord(
            tokenHash: try row.text("token_hash"), userID: user.id, universityID: user.universityID,
            createdAtUnix: try row.integer("session_created_at"), expiresAtUnix: try row.integer("expires_at"),
            revokedAtUnix: revokedAt)
        return (session, user, try row.text("subdomain"))
    }

    func revokeSession(tokenHash: String, nowUnix: Int64) throws -> Bool {
        try connection.execute(
            "UPDATE sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL",
            [.text(tokenHash), .integer(nowUnix)]) == 1
    }
}
