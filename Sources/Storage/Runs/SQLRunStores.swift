import Domain

/// Runs in the SQL database. The engine is chosen once, when the store is made: SQLite runs each hot
/// path as one portable transaction (`SQLiteRunStore`), PostgreSQL as one data-modifying statement
/// (`PostgresRunStore`); everything else is shared here.
public enum SQLRunStores {
    public static func make(database: any SQLDatabase) -> any RunStore {
        switch database.dialect {
        case .sqlite: return SQLiteRunStore(database: database)
        case .postgres: return PostgresRunStore(database: database)
        }
    }
}

/// The few lengths of id list the status query is prepared for (see `runStatuses`).
let runStatusQuerySizes = [1, 8, 64, RunStatusHub.maxIDsPerQuery]

/// What both engines' run stores share.
protocol SQLRunStore: RunStore {
    var database: any SQLDatabase { get }
}

extension SQLRunStore {
    /// Retried after a unique violation: two starts with one idempotency-key at once both miss the
    /// other's run; the loser's second run returns the winner's (its own debit rolled back).
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any RunTransaction) throws -> T) async throws
        -> T
    {
        try await sqlTransaction(body)
    }

    /// The same transaction, with the statements this adapter has beyond the port.
    func sqlTransaction<T: Sendable>(_ body: @escaping @Sendable (SQLRunTransaction) throws -> T)
        async throws -> T
    {
        try await database.domainTransactionRetryingUniqueViolations { connection in
            try body(SQLRunTransaction(connection: connection))
        }
    }

    public func runStatuses(ids: [String]) async throws -> [String: Run.Status] {
        guard !ids.isEmpty else { return [:] }
        precondition(ids.count <= RunStatusHub.maxIDsPerQuery, "the hub asks in bounded chunks")
        // A few statement shapes, not one per list length: SQLite's prepared-statement cache is
        // bounded, and a poll of every length from 1 to 500 would keep flushing the hot statements.
        // Padding repeats the last id, which IN does not mind.
        let size = runStatusQuerySizes.first { $0 >= ids.count } ?? ids.count
        let padded = ids + Array(repeating: ids[ids.count - 1], count: size - ids.count)
        let placeholders = (1...size).map { "$\($0)" }.joined(separator: ", ")
        let sql = "SELECT id, status FROM runs WHERE id IN (\(placeholders))"
        do {
            return try await database.withConnection { connection in
                var statuses: [String: Run.Status] = [:]
                for row in try connection.query(sql, padded.map { .text($0) }) {
                    let text = try row.text("status")
                    guard let status = Run.Status(rawValue: text) else {
                        throw StorageError.unexpectedValue(column: "status", value: text)
                    }
                    statuses[try row.text("id")] = status
                }
                return statuses
            }
        } catch let error as StorageError {
            throw error.domainError
        }
    }
}
