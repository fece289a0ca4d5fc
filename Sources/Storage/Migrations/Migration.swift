/// One schema version, applied in one transaction: `statements` run the same on SQLite and
/// PostgreSQL; `postgresStatements` run after them on PostgreSQL only (what SQLite cannot say, or
/// does not need, such as changing a foreign key in place).
public struct Migration: Sendable {
    public let version: Int64
    public let name: String
    public let statements: [String]
    public let postgresStatements: [String]

    public init(version: Int64, name: String, statements: [String], postgresStatements: [String] = []) {
        self.version = version
        self.name = name
        self.statements = statements
        self.postgresStatements = postgresStatements
    }

    /// What runs on `dialect`, in order.
    func statements(for dialect: SQLDialect) -> [String] {
        switch dialect {
        case .sqlite: statements
        case .postgres: statements + postgresStatements
        }
    }
}
