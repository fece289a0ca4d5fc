import Domain

/// The one place that writes ledger rows (sign-up grants, debits, refunds, top-ups): each post moves
/// the wallet's balance by the row's signed amount in the same transaction, so the sum of a user's
/// rows is always their wallet. The one exception is PostgreSQL's one-statement run start
/// (`PostgresRunStore.startRun`), which writes its debit row and moves the wallet by the same rule
/// inside one statement (the hot path: one round trip instead of five).
enum SQLLedger {
    static let entryColumns =
        "id, user_id, university_id, feature, currency, amount, type, run_id, status, metadata, idempotency_key, created_at"

    /// Moves the balance (a negative amount only when it is covered, checked and taken in one
    /// conditional statement, so concurrent debits cannot overdraw), then writes the row. False, with
    /// nothing written, when a debit is not covered; throws when the user has no wallet.
    static func post(_ entry: LedgerEntry, on connection: any SQLConnection) throws -> Bool {
        let column = entry.currency.rawValue  // an enum case, never user text
        let university = SQLValue.text(entry.universityID.rawValue)
        let moved = try connection.execute(
            """
            UPDATE credit_wallets SET \(column) = \(column) + $3, updated_at = $4
            WHERE university_id = $1 AND user_id = $2 AND \(column) + $3 >= 0
            """, [university, .text(entry.userID), .integer(entry.amount), .integer(entry.createdAtUnix)])
        if moved == 0 {
            let exists = try connection.query(
                "SELECT 1 AS found FROM credit_wallets WHERE university_id = $1 AND user_id = $2",
                [university, .text(entry.userID)])
            guard !exists.isEmpty else { throw StorageError.failed("no wallet for user \(entry.userID)") }
            guard entry.amount < 0 else { throw StorageError.failed("a credit to \(entry.userID) moved no balance") }
            return false
        }
        try connection.execute(
            """
            INSERT INTO credit_transactions (\(entryColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            """,
            [
                .text(entry.id), .text(entry.userID), university, entry.feature.map { .text($0.rawValue) } ?? .null,
                .text(entry.currency.rawValue), .integer(entry.amount), .text(entry.kind.rawValue),
                entry.runID.map(SQLValue.text) ?? .null,
                .text(entry.status.rawValue), .text(entry.metadata), entry.idempotencyKey.map(SQLValue.text) ?? .null,
                .integer(entry.createdAtUnix),
            ])
        return true
    }

    static func entry(_ row: SQLRow) throws(StorageError) -> LedgerEntry {
        let currencyText = try row.text("currency")
        let kindText = try row.text("type")
        let statusText = try row.text("status")
        guard let currency = Currency(rawValue: currencyText) else {
            throw .unexpectedValue(column: "currency", value: currencyText)
        }
        guard let kind = LedgerEntry.Kind(rawValue: kindText) else {
            throw .unexpectedValue(column: "type", value: kindText)
        }
        guard let status = LedgerEntry.Status(rawValue: statusText) else {
            throw .unexpectedValue(column: "status", value: statusText)
        }
        return LedgerEntry(
            id: try row.text("id"), userID: try row.text("user_id"),
            universityID: UniversityID(try row.text("university_id")),
            feature: try row.optionalText("feature").flatMap(Feature.init(rawValue:)), currency: currency,
            amount: try row.integer("amount"),
            kind: kind, runID: try row.optionalText("run_id"), status: status, metadata: try row.text("metadata"),
            idempotencyKey: try row.optionalText("idempotency_key"), createdAtUnix: try row.integer("created_at"))
    }
}
