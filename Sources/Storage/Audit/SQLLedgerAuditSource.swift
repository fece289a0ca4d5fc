import Domain

/// The audit's figures from the SQL database, read in one transaction across every university.
public struct SQLLedgerAuditSource: LedgerAuditSource {
    private let database: any SQLDatabase

    public init(database: any SQLDatabase) {
        self.database = database
    }

    public func figures() async throws -> LedgerAuditFigures {
        try await database.domainTransaction { connection in
            let wallets = try connection.query(
                """
                SELECT w.user_id, w.university_id, w.silver, w.gold, w.updated_at,
                       COALESCE((SELECT SUM(amount) FROM credit_transactions t WHERE t.user_id = w.user_id AND t.currency = 'silver'), 0) AS ledger_silver,
                       COALESCE((SELECT SUM(amount) FROM credit_transactions t WHERE t.user_id = w.user_id AND t.currency = 'gold'), 0) AS ledger_gold
                FROM credit_wallets w
                """
            ).map { row throws(StorageError) in
                LedgerAuditFigures.WalletFigures(
                    userID: try row.text("user_id"), universityID: UniversityID(try row.text("university_id")),
                    wallet: Wallet(
                        silver: try row.integer("silver"), gold: try row.integer("gold"),
                        updatedAtUnix: try row.integer("updated_at")),
                    ledgerSilver: try row.integer("ledger_silver"), ledgerGold: try row.integer("ledger_gold"))
            }
            let runs = try connection.query(
                """
                SELECT r.id, r.status, r.cost_amount,
                       (SELECT COUNT(*) FROM credit_transactions t WHERE t.run_id = r.id AND t.type = 'refund') AS refunds
                FROM runs r WHERE r.status = 'failed' OR EXISTS (SELECT 1 FROM credit_transactions t WHERE t.run_id = r.id AND t.type = 'refund')
                """
            ).map { row throws(StorageError) in
                let statusText = try row.text("status")
                guard let status = Run.Status(rawValue: statusText) else {
                    throw StorageError.unexpectedValue(column: "status", value: statusText)
                }
                return LedgerAuditFigures.RunFigures(
                    id: try row.text("id"), status: status, costAmount: try row.integer("cost_amount"),
                    refunds: Int(try row.integer("refunds")))
            }
            return LedgerAuditFigures(wallets: wallets, runs: runs)
        }
    }
}
