import Foundation

/// Brings a database to the newest schema version; safe when several servers start at once.
public struct Migrator: Sendable {
    /// The PostgreSQL advisory lock held while migrating (any constant shared by all servers).
    static let advisoryLockKey: Int64 = 7_420_001

    let database: any SQLDatabase
    let migrations: [Migration]

    public init(database: any SQLDatabase, migrations: [Migration] = Schema.migrations) {
        precondition(
            zip(migrations, migrations.dropFirst()).allSatisfy { $0.version < $1.version }, "migrations out of order")
        self.database = database
        self.migrations = migrations
    }

    /// Applies every pending migration; returns the versions it applied (empty when up to date).
    @discardableResult
    public func migrate() async throws -> [Int64] {
        switch database.dialect {
        case .postgres:
            // One session holds the advisory lock while migrating; a second server waits, then finds
            // nothing left to do.
            return try await database.withConnection { [migrations] connection in
                try connection.query("SELECT pg_advisory_lock($1)", [.integer(Self.advisoryLockKey)])
                defer { _ = try? connection.query("SELECT pg_advisory_unlock($1)", [.integer(Self.advisoryLockKey)]) }
                var applied: [Int64] = []
                for migration in migrations {
                    try connection.execute("BEGIN")
                    do {
                        if try Self.apply(migration, on: connection, dialect: .postgres) {
                            applied.append(migration.version)
                        }
                        try connection.execute("COMMIT")
                    } catch {
                        _ = try? connection.execute("ROLLBACK")
                        throw error
                    }
                }
                return applied
            }
        case .sqlite:
            // BEGIN IMMEDIATE takes SQLite's write lock, which serialises servers sharing the file.
            var applied: [Int64] = []
            for migration in migrations {
                if try await database.transaction({ connection in
                    try Self.apply(migration, on: connection, dialect: .sqlite)
                }) {
                    applied.append(migration.version)
                }
            }
            return applied
        }
    }

    /// The versions recorded as applied.
    public func appliedVersions() async throws -> [Int64] {
        try await database.transaction { connection in
            try Self.createVersionTable(connection)
            return try connection.query("SELECT version FROM schema_migrations ORDER BY version").map {
                try $0.integer("version")
            }
        }
    }

    /// Applies `migration` unless it is recorded already; true when it ran.
    private static func apply(_ migration: Migration, on connection: any SQLConnection, dialect: SQLDialect) throws
        -> Bool
    {
        try createVersionTable(connection)
        let done = try connection.query(
            "SELECT version FROM schema_migrations WHERE version = $1", [.integer(migration.version)])
        guard done.isEmpty else { return false }
        for statement in migration.statements(for: dialect) { try connection.execute(statement) }
        try connection.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            [.integer(migration.version), .text(migration.name), .integer(Int64(Date().timeIntervalSince1970))])
        return true
    }

    private static func createVersionTable(_ connection: any SQLConnection) throws {
        try connection.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version BIGINT PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at BIGINT NOT NULL
            )
            """)
    }
}
