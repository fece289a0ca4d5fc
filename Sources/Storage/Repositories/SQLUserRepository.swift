import Domain
import Foundation

/// Users in the SQL database. Every statement filters on `university_id`.
public struct SQLUserRepository: UserRepository {
    private let database: any SQLDatabase
    static let columns = "id, university_id, email, name, email_verified, google_id, role, is_pro, created_at"

    public init(database: any SQLDatabase) {
        self.database = database
    }

    public func create(in university: UniversityID, email: String, name: String, role: User.Role, nowUnix: Int64)
        async throws -> User
    {
        let user = User(
            id: UUID().uuidString.lowercased(), universityID: university, email: email.lowercased(), name: name,
            emailVerified: false, googleID: nil, role: role, isPro: false, createdAtUnix: nowUnix)
        do {
            try await database.transaction { connection in
                try connection.execute(
                    """
                    INSERT INTO users (id, university_id, email, name, role, created_at) VALUES ($1, $2, $3, $4, $5, $6)
                    """,
                    [
                        .text(user.id), .text(university.rawValue), .text(user.email), .text(name),
                        .text(role.rawValue), .integer(nowUnix),
                    ])
            }
        } catch StorageError.uniqueViolation {
            throw DomainError(
                .alreadyExists, reason: .emailTaken, "a user with this email exists", details: ["field": "email"])
        } catch let error as StorageError {
            throw error.domainError
        }
        return user
    }

    public func find(in university: UniversityID, email: String) async throws -> User? {
        try await database.domainTransaction { connection in
            try Self.user(in: university, email: email.lowercased(), on: connection)
        }
    }

    public func find(in university: UniversityID, id: String) async throws -> User? {
        try await database.domainTransaction { connection in try Self.user(in: university, id: id, on: connection) }
    }

    /// The lookups every transaction that needs a user shares (`email` already normalized).
    static func user(in university: UniversityID, email: String, on connection: any SQLConnection) throws -> User? {
        try connection.query(
            "SELECT \(columns) FROM users WHERE university_id = $1 AND email = $2",
            [.text(university.rawValue), .text(email)]
        ).first.map(user)
    }

    static func user(in university: UniversityID, id: String, on connection: any SQLConnection) throws -> User? {
        try connection.query(
            "SELECT \(columns) FROM users WHERE university_id = $1 AND id = $2",
            [.text(university.rawValue), .text(id)]
        ).first.map(user)
    }

    public func list(in university: UniversityID, limit: Int) async throws -> [User] {
        try await database.domainTransaction { connection in
            try connection.query(
                "SELECT \(Self.columns) FROM users WHERE university_id = $1 ORDER BY email LIMIT $2",
                [.text(university.rawValue), .integer(Int64(min(max(limit, 1), 10_000)))]
            ).map(Self.user)
        }
    }

    public func setRole(in university: UniversityID, userID: String, role: User.Role) async throws -> Bool {
        try await database.domainTransaction { connection in
            try connection.execute(
                "UPDATE users SET role = $3 WHERE university_id = $1 AND id = $2",
                [.text(university.rawValue), .text(userID), .text(role.rawValue)]) == 1
        }
    }

    public func setPro(in university: UniversityID, userID: String, isPro: Bool) async throws -> Bool {
        try await database.domainTransaction { connection in
            try connection.execute(
                "UPDATE users SET is_pro = $3 WHERE university_id = $1 AND id = $2",
                [.text(university.rawValue), .text(userID), .bool(isPro)]) == 1
        }
    }

    static func user(_ row: SQLRow) throws -> User {
        guard let role = User.Role(rawValue: try row.text("role")) else {
            throw StorageError.unexpectedValue(column: "role", value: try row.text("role"))
        }
        return User(
            id: try row.text("id"), universityID: UniversityID(try row.text("university_id")),
            email: try row.text("email"),
            name: try row.text("name"), emailVerified: try row.bool("email_verified"),
            googleID: try row.optionalText("google_id"),
            role: role, isPro: try row.bool("is_pro"), createdAtUnix: try row.integer("created_at"))
    }
}
