import Domain

/// Synchronous tool calls in the SQL database, beside the ledger their debits and refunds go to.
public struct SQLToolCallStore: ToolCallStore {
    let database: any SQLDatabase

    public init(database: any SQLDatabase) {
        self.database = database
    }

    /// Retried after a unique violation: two calls with one idempotency-key at once; the loser
    /// finds the winner's call.
    public func toolTransaction<T: Sendable>(_ body: @escaping @Sendable (any ToolCallTransaction) throws -> T)
        async throws -> T
    {
        try await database.domainTransactionRetryingUniqueViolations { connection in
            try body(SQLToolCallTransaction(connection: connection))
        }
    }
}

struct SQLToolCallTransaction: ToolCallTransaction, SQLLedgerOperations {
    let connection: any SQLConnection

    static let columns = """
        id, university_id, user_id, feature, status, cost_currency, cost_amount, debit_id, request_hash, result_json, \
        error_reason, created_at
        """

    func toolCall(userID: String, idempotencyKey: String) throws -> ToolCall? {
        try connection.query(
            "SELECT \(Self.columns) FROM tool_calls WHERE user_id = $1 AND idempotency_key = $2",
            [.text(userID), .text(idempotencyKey)]
        ).first.map(Self.call)
    }

    func insertToolCall(_ call: ToolCall, idempotencyKey: String?) throws {
        try connection.execute(
            """
            INSERT INTO tool_calls (id, university_id, user_id, feature, status, cost_currency, cost_amount, debit_id,
                                    idempotency_key, request_hash, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            """,
            [
                .text(call.id), .text(call.universityID.rawValue), .text(call.userID), .text(call.feature.rawValue),
                .text(call.status.rawValue), .text(call.cost.currency.rawValue), .integer(call.cost.amount),
                .text(call.debitID), idempotencyKey.map(SQLValue.text) ?? .null, .text(call.requestHash),
                .integer(call.createdAtUnix),
            ])
    }

    func finishToolCall(id: String, status: ToolCall.Status, resultJSON: String?, errorReason: String?, nowUnix: Int64)
        throws -> Bool
    {
        precondition(status != .pending, "a call ends succeeded or failed")
        return try connection.execute(
            """
            UPDATE tool_calls SET status = $2, result_json = $3, error_reason = $4, finished_at = $5
            WHERE id = $1 AND status = 'pending'
            """,
            [
                .text(id), .text(status.rawValue), resultJSON.map(SQLValue.text) ?? .null,
                errorReason.map { .text(String($0.prefix(500))) } ?? .null, .integer(nowUnix),
            ]) == 1
    }

    func setDebitStatus(entryID: String, _ status: LedgerEntry.Status) throws {
        try connection.execute(
            "UPDATE credit_transactions SET status = $2 WHERE id = $1 AND type = 'debit'",
            [.text(entryID), .text(status.rawValue)])
    }

    func staleToolCalls(startedBeforeUnix: Int64, limit: Int) throws -> [ToolCall] {
        try connection.query(
            """
            SELECT \(Self.columns) FROM tool_calls WHERE status = 'pending' AND created_at < $1
            ORDER BY created_at LIMIT \(max(1, min(limit, 1_000)))
            """, [.integer(startedBeforeUnix)]
        ).map(Self.call)
    }

    static func call(_ row: SQLRow) throws(StorageError) -> ToolCall {
        let featureText = try row.text("feature")
        let statusText = try row.text("status")
        let currencyText = try row.text("cost_currency")
        guard let feature = Feature(rawValue: featureText) else {
            throw .unexpectedValue(column: "feature", value: featureText)
        }
        guard let status = ToolCall.Status(rawValue: statusText) else {
            throw .unexpectedValue(column: "status", value: statusText)
        }
        guard let currency = Currency(rawValue: currencyText) else {
            throw .unexpectedValue(column: "cost_currency", value: currencyText)
        }
        return ToolCall(
            id: try row.text("id"), universityID: UniversityID(try row.text("university_id")),
            userID: try row.text("user_id"), feature: feature, status: status,
            cost: Cost(currency: currency, amount: try row.integer("cost_amount")), debitID: try row.text("debit_id"),
            requestHash: try row.text("request_hash"), resultJSON: try row.optionalText("result_json"),
            errorReason: try row.optionalText("error_reason"), createdAtUnix: try row.integer("created_at"))
    }
}
