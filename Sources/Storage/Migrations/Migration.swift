/// One schema version, applied in one transaction: `statements` run the same on SQLite and
/// PostgreSQL; `postgresStatements` and `sqliteStatements` run after them on that engine only, for a
/// rule the two must say differently (PostgreSQL changes a foreign key in place; SQLite cannot
/// without rebuilding the table, so a trigger says the same there).
public struct Migration: Sendable {
    public let version: Int64
    public let name: String
    public let statements: [String]
    public let postgresStatements: [String]
    public let sqliteStatements: [String]

    public init(
        version: Int64, name: String, statements: [String], postgresStatements: [String] = [],
        sqliteStatements: [String] = []
    ) {
        self.version = version
        self.name = name
        self.statements = statements
        self.postgresStatements = postgresStatements
        self.sqliteStatements = sqliteStatements
    }

    /// What runs on `dialect`, in order.
    func statements(for dialect: SQLDialect) -> [String] {
        switch dialect {
        case .sqlite: statements + sqliteStatements
        case .postgres: statements + postgresStatements
        }
    }
}
