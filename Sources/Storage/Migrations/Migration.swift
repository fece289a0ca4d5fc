/// One schema version: statements that run the same on SQLite and PostgreSQL, in one transaction.
public struct Migration: Sendable {
    public let version: Int64
    public let name: String
    public let statements: [String]
}
