import Domain
import Foundation

/// A run's transaction: the run statements, and the ledger's (its debit and refund).
struct SQLRunTransaction: RunTransaction, SQLLedgerOperations {
    let connection: any SQLConnection

    static let runColumns = """
        id, university_id, user_id, kind, status, cost_currency, cost_amount, attempts, max_attempts, error_reason, result_json, \
        created_at, updated_at, plan, usage_model, usage_prompt_tokens, usage_completion_tokens, usage_cached_tokens, \
        usage_model_calls
        """

    func insertRun(_ run: Run, input: RunInput, model: String, idempotencyKey: String?, requestHash: String) throws {
        let university = SQLValue.text(run.universityID.rawValue)
        try connection.execute(
            """
            INSERT INTO runs (id, university_id, user_id, kind, status, cost_currency, cost_amount, attempts, max_attempts,
                              idempotency_key, request_hash, enqueued_at, created_at, updated_at, plan)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $12, $13)
            """,
            [
                .text(run.id), university, .text(run.userID), .text(run.kind.rawValue), .text(run.status.rawValue),
                .text(run.cost.currency.rawValue), .integer(run.cost.amount), .integer(Int64(run.attempts)),
                .integer(Int64(run.maxAttempts)),
                idempotencyKey.map(SQLValue.text) ?? .null, .text(requestHash), .integer(run.createdAtUnix),
                .text(run.plan.rawValue),
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

    func heartbeat(runID: String, attempt: Int, nowUnix: Int64) throws {
        try connection.execute(
            "UPDATE runs SET heartbeat_at = $2 WHERE id = $1 AND status = 'running' AND attempts = $3",
            [.text(runID), .integer(nowUnix), .integer(Int64(attempt))])
    }

    /// The success's writes: the run, its usage, its PDF (the debit row is the caller's).
    func complete(id: String, attempt: Int, output: WorkflowOutput, nowUnix: Int64) throws -> Bool {
        guard
            try connection.execute(
                """
                UPDATE runs SET status = 'succeeded', result_json = $2, finished_at = $3, updated_at = $3
                WHERE id = $1 AND status = 'running' AND attempts = $4
                """, [.text(id), .text(output.resultJSON), .integer(nowUnix), .integer(Int64(attempt))]) == 1
        else { return false }
        try addUsage(runID: id, output.usage)
        if let pdf = output.pdf {
            try connection.execute(
                "INSERT INTO run_pdfs (run_id, pdf_base64, size_bytes, created_at) VALUES ($1, $2, $3, $4)",
                [.text(id), .text(Self.base64(pdf)), .integer(Int64(pdf.count)), .integer(nowUnix)])
        }
        return true
    }

    func addUsage(runID: String, _ usage: RunUsage) throws {
        guard usage != RunUsage() else { return }
        try connection.execute(
            """
            UPDATE runs SET usage_model = CASE WHEN $2 = '' THEN usage_model ELSE $2 END,
                usage_prompt_tokens = usage_prompt_tokens + $3, usage_completion_tokens = usage_completion_tokens + $4,
                usage_cached_tokens = usage_cached_tokens + $5, usage_model_calls = usage_model_calls + $6
            WHERE id = $1
            """,
            [
                .text(runID), .text(usage.model), .integer(usage.promptTokens), .integer(usage.completionTokens),
                .integer(usage.cachedTokens), .integer(Int64(usage.modelCalls)),
            ])
    }

    func runPDF(runID: String) throws -> [UInt8]? {
        guard let row = try connection.query("SELECT pdf_base64 FROM run_pdfs WHERE run_id = $1", [.text(runID)]).first
        else { return nil }
        let text = try row.text("pdf_base64")
        guard let data = Data(base64Encoded: text) else {
            throw StorageError.unexpectedValue(column: "pdf_base64", value: "not base64 (\(text.utf8.count) bytes)")
        }
        return Array(data)
    }

    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    func failRun(id: String, attempt: Int, reason: String, nowUnix: Int64) throws -> Bool {
        try connection.execute(
            """
            UPDATE runs SET status = 'failed', error_reason = $2, finished_at = $3, updated_at = $3
            WHERE id = $1 AND status IN ('queued', 'running') AND attempts = $4
            """, [.text(id), .text(String(reason.prefix(500))), .integer(nowUnix), .integer(Int64(attempt))]) == 1
    }

    func requeueRun(id: String, attempt: Int, nowUnix: Int64) throws -> Bool {
        try connection.execute(
            """
            UPDATE runs SET status = 'queued', enqueued_at = $2, updated_at = $2
            WHERE id = $1 AND status = 'running' AND attempts = $3
            """, [.text(id), .integer(nowUnix), .integer(Int64(attempt))]) == 1
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

    func statusSnapshot() throws -> RunStatusSnapshot {
        // Both read the (status, updated_at) index.
        var counts: [Run.Status: Int64] = [:]
        for row in try connection.query("SELECT status, COUNT(*) AS n FROM runs GROUP BY status", []) {
            let text = try row.text("status")
            guard let status = Run.Status(rawValue: text) else {
                throw StorageError.unexpectedValue(column: "status", value: text)
            }
            counts[status] = try row.integer("n")
        }
        let oldest = try connection.query(
            "SELECT MIN(COALESCE(enqueued_at, updated_at)) AS oldest FROM runs WHERE status = 'queued'", []
        ).first
        let oldestQueuedAtUnix: Int64? =
            if let oldest, case .null = oldest["oldest"] { nil } else { try oldest?.integer("oldest") }
        return RunStatusSnapshot(counts: counts, oldestQueuedAtUnix: oldestQueuedAtUnix)
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
        let planText = try row.text("plan")
        guard let plan = Plan(rawValue: planText) else { throw .unexpectedValue(column: "plan", value: planText) }
        let usage = RunUsage(
            model: try row.text("usage_model"), promptTokens: try row.integer("usage_prompt_tokens"),
            completionTokens: try row.integer("usage_completion_tokens"),
            cachedTokens: try row.integer("usage_cached_tokens"),
            modelCalls: Int32(clamping: try row.integer("usage_model_calls")))
        return Run(
            id: try row.text("id"), universityID: UniversityID(try row.text("university_id")),
            userID: try row.text("user_id"),
            kind: kind, status: status, cost: Cost(currency: currency, amount: try row.integer("cost_amount")),
            attempts: Int(try row.integer("attempts")), maxAttempts: Int(try row.integer("max_attempts")),
            errorReason: try row.optionalText("error_reason"), resultJSON: try row.optionalText("result_json"),
            createdAtUnix: try row.integer("created_at"), updatedAtUnix: try row.integer("updated_at"), plan: plan,
            usage: usage)
    }
}
