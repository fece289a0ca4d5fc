import Domain

/// The ledger and wallets in SQL, shared by every transaction that touches credits (a wallet's own,
/// and a run's, whose debit and refund are ledger posts).
protocol SQLLedgerOperations: LedgerTransaction {
    var connection: any SQLConnection { get }
}

extension SQLLedgerOperations {
    func user(in university: UniversityID, id: String) throws -> User? {
        try SQLUserRepository.user(in: university, id: id, on: connection)
    }

    func user(in university: UniversityID, email: String) throws -> User? {
        try SQLUserRepository.user(in: university, email: email, on: connection)
    }

    func universityOfUser(id: String) throws -> UniversityID? {
        try connection.query("SELECT university_id FROM users WHERE id = $1", [.text(id)]).first
            .map { row throws(StorageError) in UniversityID(try row.text("university_id")) }
    }

    func wallet(in university: UniversityID, userID: String) throws -> Wallet? {
        try connection.query(
            "SELECT silver, gold, updated_at FROM credit_wallets WHERE university_id = $1 AND user_id = $2",
            [.text(university.rawValue), .text(userID)]
        ).first.map { row throws(StorageError) in
            Wallet(
                silver: try row.integer("silver"), gold: try row.integer("gold"),
                updatedAtUnix: try row.integer("updated_at"))
        }
    }

    func post(_ entry: LedgerEntry) throws -> Bool {
        try SQLLedger.post(entry, on: connection)
    }

    func entry(in university: UniversityID, userID: String, idempotencyKey: String) throws -> LedgerEntry? {
        try connection.query(
            """
            SELECT \(SQLLedger.entryColumns) FROM credit_transactions WHERE university_id = $1 AND user_id = $2 AND idempotency_key = $3
            """, [.text(university.rawValue), .text(userID), .text(idempotencyKey)]
        ).first.map(SQLLedger.entry)
    }

    func entries(in university: UniversityID, userID: String, after cursor: PageCursor?, limit: Int) throws
        -> [LedgerEntry]
    {
        try newestFirst(
            SQLLedger.entryColumns, from: "credit_transactions", in: university, userID: userID, after: cursor,
            limit: limit
        )
        .map(SQLLedger.entry)
    }

    /// One keyset page of a user's rows, newest first (`created_at`, then `id`), after `cursor`.
    func newestFirst(
        _ columns: String, from table: String, in university: UniversityID, userID: String,
        after cursor: PageCursor?, limit: Int
    ) throws -> [SQLRow] {
        var sql = "SELECT \(columns) FROM \(table) WHERE university_id = $1 AND user_id = $2"
        var parameters: [SQLValue] = [.text(university.rawValue), .text(userID)]
        if let cursor {
            sql += " AND (created_at < $3 OR (created_at = $3 AND id < $4))"
            parameters += [.integer(cursor.createdAtUnix), .text(cursor.id)]
        }
        sql += " ORDER BY created_at DESC, id DESC LIMIT \(max(1, min(limit, 1000)))"
        return try connection.query(sql, parameters)
    }

    func setDebitStatus(runID: String, _ status: LedgerEntry.Status) throws {
        try connection.execute(
            "UPDATE credit_transactions SET status = $2 WHERE run_id = $1 AND type = 'debit'",
            [.text(runID), .text(status.rawValue)])
    }
}

/// A wallet's transaction.
struct SQLLedgerTransaction: SQLLedgerOperations {
    let connection: any SQLConnection
}
