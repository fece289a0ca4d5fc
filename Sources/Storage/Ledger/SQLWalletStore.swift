import Domain

/// Wallets and the ledger in the SQL database (either engine: the statements are portable).
public struct SQLWalletStore: WalletStore {
    private let database: any SQLDatabase

    public init(database: any SQLDatabase) {
        self.database = database
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any LedgerTransaction) throws -> T) async throws
        -> T
    {
        try await database.domainTransactionRetryingUniqueViolations { connection in
            try body(SQLLedgerTransaction(connection: connection))
        }
    }
}
