import Domain
import Foundation

/// Wallets, the ledger and runs in the SQL database.
public struct SQLCreditsStore: CreditsStore {
    private let database: any SQLDatabase

    public init(database: any SQLDatabase) {
        self.database = database
    }

    /// Retried after a unique violation: two starts with one idempotency-key at once both miss the
    /// other's run; the loser's second run returns the winner's (its own debit rolled back).
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any CreditsTransaction) throws -> T) async throws
        -> T
    {
        try await sqlTransaction(body)
    }

    /// The same transaction, with the statements this adapter has beyond the port.
    private func sqlTransaction<T: Sendable>(_ body: @escaping @Sendable (SQLCreditsTransaction) throws -> T)
        async throws -> T
    {
        try await database.domainTransactionRetryingUniqueViolations { connection in
            try body(SQLCreditsTransaction(connection: connection))
        }
    }

    public func startRun(
        _ run: Run, input: RunInput, model: String, debit: LedgerEntry, idempotencyKey: String?,
        requestHash: String
    ) async throws -> StartRunOutcome {
        switch database.dialect {
        case .sqlite:
            return try await sqlTransaction { tx in
                if let idempotencyKey,
                    let earlier = try tx.run(in: run.universityID, userID: run.userID, idempotencyKey: idempotencyKey)
                {
                    return .existing(earlier.run, requestHash: earlier.requestHash)
                }
                if run.cost.amount > 0 {
                    guard
                        try tx.debit(
                            in: run.universityID, userID: run.userID, currency: run.cost.currency,
                            amount: run.cost.amount,
                            nowUnix: run.createdAtUnix)
                    else {
                        return .insufficient(
                            available: try tx.wallet(in: run.universityID, userID: run.userID)?.balance(
                                run.cost.currency) ?? 0)
                    }
                }
                try tx.insertRun(
                    run, input: input, model: model, idempotencyKey: idempotencyKey, requestHash: requestHash)
                try tx.insertEntry(debit)
                return .started
            }
        case .postgres:
            return try await PostgresRunStatements.start(
                database, run: run, input: input, model: model, debit: debit,
                idempotencyKey: idempotencyKey, requestHash: requestHash)
        }
    }

    public func claimRun(id: String, nowUnix: Int64, takeOverBeforeUnix: Int64) async throws -> (
        run: Run, input: RunInput
    )? {
        switch database.dialect {
        case .sqlite:
            return try await sqlTransaction { tx in
                guard try tx.claim(id: id, nowUnix: nowUnix, takeOverBeforeUnix: takeOverBeforeUnix) != nil else {
                    return nil
                }
                return try tx.runForWorker(id: id)
            }
        case .postgres:
            return try await PostgresRunStatements.claim(
                database, id: id, nowUnix: nowUnix, takeOverBeforeUnix: takeOverBeforeUnix)
        }
    }

    public func completeRun(id: String, resultJSON: String, nowUnix: Int64) async throws -> Bool {
        switch database.dialect {
        case .sqlite:
            return try await sqlTransaction { tx in
                guard try tx.complete(id: id, resultJSON: resultJSON, nowUnix: nowUnix) else { return false }
                try tx.setDebitStatus(runID: id, .completed)
                return true
            }
        case .postgres:
            return try await PostgresRunStatements.complete(database, id: id, resultJSON: resultJSON, nowUnix: nowUnix)
        }
    }

    static let statusQuerySizes = [1, 8, 64, RunStatusHub.maxIDsPerQuery]

    public func runStatuses(ids: [String]) async throws -> [String: Run.Status] {
        guard !ids.isEmpty else { return [:] }
        precondition(ids.count <= RunStatusHub.maxIDsPerQuery, "the hub asks in bounded chunks")
        // A few statement shapes, not one per list length: SQLite's prepared-statement cache is
        // bounded, and a poll of every length from 1 to 500 would keep flushing the hot statements.
        // Padding repeats the last id, which IN does not mind.
        let size = Self.statusQuerySizes.first { $0 >= ids.count } ?? ids.count
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

struct SQLCreditsTransaction: CreditsTransaction {
    let connection: any SQLConnection

    static let runColumns = """
        id, university_id, user_id, kind, status, cost_currency, cost_amount, attempts, max_attempts, error_reason, result_json, \
        created_at, updated_at
        """
    static let entryColumns =
        "id, user_id, university_id, feature, currency, amount, type, run_id, status, metadata, idempotency_key, created_at"

    func user(in university: UniversityID, id: String) throws -> User? {
        try connection.query(
            "SELECT \(SQLUserRepository.columns) FROM users WHERE university_id = $1 AND id = $2",
            [.text(university.rawValue), .text(id)]
        ).first.map(SQLUserRepository.user)
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

    func debit(in university: UniversityID, userID: String, currency: Currency, amount: Int64, nowUnix: Int64) throws
        -> Bool
    {
        precondition(amount > 0)
        let column = currency.rawValue  // an enum case, never user text
        // Conditional: the balance is checked and taken in one statement, so concurrent debits cannot overdraw.
        return try connection.execute(
            """
            UPDATE credit_wallets SET \(column) = \(column) - $3, updated_at = $4
            WHERE university_id = $1 AND user_id = $2 AND \(column) >= $3
            """, [.text(university.rawValue), .text(userID), .integer(amount), .integer(nowUnix)]) == 1
    }

    func credit(in university: UniversityID, userID: String, currency: Currency, amount: Int64, nowUnix: Int64) throws {
        precondition(amount > 0)
        let column = currency.rawValue
        guard
            try connection.execute(
                """
                UPDATE credit_wallets SET \(column) = \(column) + $3, updated_at = $4 WHERE university_id = $1 AND user_id = $2
                """, [.text(university.rawValue), .text(userID), .integer(amount), .integer(nowUnix)]) == 1
        else {
            throw StorageError.failed("no wallet for user \(userID)")
        }
    }

    func insertEntry(_ entry: LedgerEntry) throws {
        try connection.execute(
            """
            INSERT INTO credit_transactions (\(Self.entryColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            """,
            [
                .text(entry.id), .text(entry.userID), .text(entry.universityID.rawValue),
                entry.feature.map { .text($0.rawValue) } ?? .null,
                .text(entry.currency.rawValue), .integer(entry.amount), .text(entry.kind.rawValue),
                entry.runID.map(SQLValue.text) ?? .null,
                .text(entry.status.rawValue), .text(entry.metadata), entry.idempotencyKey.map(SQLValue.text) ?? .null,
                .integer(entry.createdAtUnix),
            ])
    }

    func entry(in university: UniversityID, userID: String, idempotencyKey: String) throws -> LedgerEntry? {
        try connection.query(
            """
            SELECT \(Self.entryColumns) FROM credit_transactions WHERE university_id = $1 AND user_id = $2 AND idempotency_key = $3
            """, [.text(university.rawValue), .text(userID), .text(idempotencyKey)]
        ).first.map(Self.entry)
    }

    func entries(in university: UniversityID, userID: String, after cursor: PageCursor?, limit: Int) throws
        -> [LedgerEntry]
    {
        try newestFirst(
            Self.entryColumns, from: "credit_transactions", in: university, userID: userID, after: cursor, limit: limit
        )
        .map(Self.entry)
    }

    /// One keyset page of a user's rows, newest first (`created_at`, then `id`), after `cursor`.
    private func newestFirst(
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

    func insertRun(_ run: Run, input: RunInput, model: String, idempotencyKey: String?, requestHash: String) throws {
        let university = SQLValue.text(run.universityID.rawValue)
        try connection.execute(
            """
            INSERT INTO runs (id, university_id, user_id, kind, status, cost_currency, cost_amount, attempts, max_attempts,
                              idempotency_key, request_hash, enqueued_at, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $12)
            """,
            [
                .text(run.id), university, .text(run.userID), .text(run.kind.rawValue), .text(run.status.rawValue),
                .text(run.cost.currency.rawValue), .integer(run.cost.amount), .integer(Int64(run.attempts)),
                .integer(Int64(run.maxAttempts)),
                idempotencyKey.map(SQLValue.text) ?? .null, .text(requestHash), .integer(run.createdAtUnix),
            ])
        switch input {
        case .jobPack(let title, let company, let description, let resume):
            try connection.execute(
                """
                INSERT INTO job_pack_requests (run_id, university_id, user_id, job_title, company, job_description, resume_text, model, created_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                """,
                [
                    .text(run.id), university, .text(run.userID), .text(title), .text(company), .text(description),
                    .text(resume),
                    .text(model), .integer(run.createdAtUnix),
                ])
        case .skillMapper(let url, let profile, let resume):
            try connection.execute(
                """
                INSERT INTO skill_mapper_runs (run_id, university_id, user_id, profile_portal_url, profile_text, resume_text, created_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """,
                [
                    .text(run.id), university, .text(run.userID), .text(url), .text(profile), .text(resume),
                    .integer(run.createdAtUnix),
                ])
        }
    }

    func run(in university: UniversityID, id: String) throws -> Run? {
        try connection.query(
            "SELECT \(Self.runColumns) FROM runs WHERE university_id = $1 AND id = $2",
            [.text(university.rawValue), .text(id)]
        ).first.map(Self.run)
    }

    func run(in university: UniversityID, userID: String, idempotencyKey: String) throws -> (
        run: Run, requestHash: String
    )? {
        try connection.query(
            """
            SELECT \(Self.runColumns), request_hash FROM runs WHERE university_id = $1 AND user_id = $2 AND idempotency_key = $3
            """, [.text(university.rawValue), .text(userID), .text(idempotencyKey)]
        ).first.map { row throws(StorageError) in
            (try Self.run(row), try row.text("request_hash"))
        }
    }

    func runs(in university: UniversityID, userID: String, after cursor: PageCursor?, limit: Int) throws -> [Run] {
        try newestFirst(Self.runColumns, from: "runs", in: university, userID: userID, after: cursor, limit: limit).map(
            Self.run)
    }

    /// `resumeColumn`: both input tables have a `resume_text`; a query joining both renames them.
    static func jobPackInput(_ row: SQLRow, resumeColumn: String = "resume_text") throws(StorageError) -> RunInput {
        .jobPack(
            jobTitle: try row.text("job_title"), company: try row.text("company"),
            jobDescription: try row.text("job_description"), resumeText: try row.text(resumeColumn))
    }

    static func skillMapperInput(_ row: SQLRow, resumeColumn: String = "resume_text") throws(StorageError) -> RunInput {
        .skillMapper(
            profilePortalURL: try row.text("profile_portal_url"), profileText: try row.text("profile_text"),
            resumeText: try row.text(resumeColumn))
    }

    func runForWorker(id: String) throws -> (run: Run, input: RunInput)? {
        guard
            let run = try connection.query("SELECT \(Self.runColumns) FROM runs WHERE id = $1", [.text(id)]).first.map(
                Self.run)
        else {
            return nil
        }
        switch run.kind {
        case .jobPack:
            guard
                let row = try connection.query(
                    "SELECT job_title, company, job_description, resume_text FROM job_pack_requests WHERE run_id = $1",
                    [.text(id)]
                ).first
            else { return nil }
            return (run, try Self.jobPackInput(row))
        case .skillMapper:
            guard
                let row = try connection.query(
                    "SELECT profile_portal_url, profile_text, resume_text FROM skill_mapper_runs WHERE run_id = $1",
                    [.text(id)]
                ).first
            else { return nil }
            return (run, try Self.skillMapperInput(row))
        }
    }

    func claim(id: String, nowUnix: Int64, takeOverBeforeUnix: Int64) throws -> Run? {
        try connection.query(
            """
            UPDATE runs SET status = 'running', attempts = attempts + 1, started_at = $2, heartbeat_at = $2, updated_at = $2
            WHERE id = $1 AND (status = 'queued' OR (status = 'running' AND attempts < max_attempts
                  AND COALESCE(heartbeat_at, started_at, created_at) < $3)) RETURNING \(Self.runColumns)
            """, [.text(id), .integer(nowUnix), .integer(takeOverBeforeUnix)]
        ).first.map(Self.run)
    }

    func heartbeat(runID: String, nowUnix: Int64) throws {
        try connection.execute(
            "UPDATE runs SET heartbeat_at = $2 WHERE id = $1 AND status = 'running'", [.text(runID), .integer(nowUnix)])
    }

    func complete(id: String, resultJSON: String, nowUnix: Int64) throws -> Bool {
        try connection.execute(
            """
            UPDATE runs SET status = 'succeeded', result_json = $2, finished_at = $3, updated_at = $3 WHERE id = $1 AND status = 'running'
            """, [.text(id), .text(resultJSON), .integer(nowUnix)]) == 1
    }

    func failRun(id: String, reason: String, nowUnix: Int64) throws -> Bool {
        try connection.execute(
            """
            UPDATE runs SET status = 'failed', error_reason = $2, finished_at = $3, updated_at = $3
            WHERE id = $1 AND status IN ('queued', 'running')
            """, [.text(id), .text(String(reason.prefix(500))), .integer(nowUnix)]) == 1
    }

    func requeueRun(id: String, nowUnix: Int64) throws -> Bool {
        try connection.execute(
            """
            UPDATE runs SET status = 'queued', enqueued_at = $2, updated_at = $2 WHERE id = $1 AND status = 'running'
            """, [.text(id), .integer(nowUnix)]) == 1
    }

    func requeueStaleRun(id: String, nowUnix: Int64, heartbeatBeforeUnix: Int64) throws -> Bool {
        try connection.execute(
            """
            UPDATE runs SET status = 'queued', enqueued_at = $2, updated_at = $2
            WHERE id = $1 AND status = 'running' AND COALESCE(heartbeat_at, started_at, created_at) < $3
            """, [.text(id), .integer(nowUnix), .integer(heartbeatBeforeUnix)]) == 1
    }

    func runsNeedingAttention(queuedBeforeUnix: Int64, heartbeatBeforeUnix: Int64, limit: Int) throws -> [Run] {
        try connection.query(
            """
            SELECT \(Self.runColumns) FROM runs
            WHERE (status = 'queued' AND COALESCE(enqueued_at, created_at) < $1)
               OR (status = 'running' AND COALESCE(heartbeat_at, started_at, created_at) < $2)
            ORDER BY updated_at LIMIT \(max(1, min(limit, 10_000)))
            """, [.integer(queuedBeforeUnix), .integer(heartbeatBeforeUnix)]
        ).map(Self.run)
    }

    func markEnqueued(runID: String, nowUnix: Int64) throws {
        try connection.execute(
            "UPDATE runs SET enqueued_at = $2 WHERE id = $1 AND status = 'queued'", [.text(runID), .integer(nowUnix)])
    }

    static func run(_ row: SQLRow) throws(StorageError) -> Run {
        let kindText = try row.text("kind")
        let statusText = try row.text("status")
        let currencyText = try row.text("cost_currency")
        guard let kind = Run.Kind(rawValue: kindText) else { throw .unexpectedValue(column: "kind", value: kindText) }
        guard let status = Run.Status(rawValue: statusText) else {
            throw .unexpectedValue(column: "status", value: statusText)
        }
        guard let currency = Currency(rawValue: currencyText) else {
            throw .unexpectedValue(column: "cost_currency", value: currencyText)
        }
        return Run(
            id: try row.text("id"), universityID: UniversityID(try row.text("university_id")),
            userID: try row.text("user_id"),
            kind: kind, status: status, cost: Cost(currency: currency, amount: try row.integer("cost_amount")),
            attempts: Int(try row.integer("attempts")), maxAttempts: Int(try row.integer("max_attempts")),
            errorReason: try row.optionalText("error_reason"), resultJSON: try row.optionalText("result_json"),
            createdAtUnix: try row.integer("created_at"), updatedAtUnix: try row.integer("updated_at"))
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
