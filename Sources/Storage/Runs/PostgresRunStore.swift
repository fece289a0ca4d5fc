import Domain

/// Runs on PostgreSQL: each hot path one statement (data-modifying CTEs), atomic on its own: one
/// round trip instead of BEGIN, four or five statements and COMMIT. Same effects as the portable
/// transactions SQLite runs (`SQLiteRunStore`); the same tests cover both.
struct PostgresRunStore: SQLRunStore {
    let database: any SQLDatabase
    /// Starts, claims and completions that arrive while earlier ones are at the database go in
    /// together, one commit for all (`PostgresStartBatch`, `PostgresWorkerBatches`); a lone one runs
    /// alone, as one statement.
    private let starts: BatchingQueue<PendingStart, StartRunOutcome>
    private let claims: BatchingQueue<PendingClaim, ClaimedRun?>
    private let completions: BatchingQueue<PendingCompletion, Bool>

    init(database: any SQLDatabase, batchLimits: BatchLimits = BatchLimits()) {
        self.database = database
        starts = BatchingQueue(limits: batchLimits, key: \.walletKey) { [database] batch in
            await BatchSettlement.settle(
                batch,
                together: { batch in
                    try await database.transaction { connection in try PostgresStartBatch.run(batch, on: connection) }
                }, alone: { start in try await Self.startAlone(start, database: database) })
        }
        claims = BatchingQueue(limits: batchLimits, key: \.id) { [database] batch in
            await BatchSettlement.settle(
                batch,
                together: { batch in
                    try await database.withConnection { connection in
                        try PostgresWorkerBatches.claim(batch, on: connection).map { .some($0) }
                    }
                }, alone: { claim in try await Self.claimAlone(claim, database: database) })
        }
        completions = BatchingQueue(limits: batchLimits, key: \.id) { [database] batch in
            await BatchSettlement.settle(
                batch,
                together: { batch in
                    try await database.withConnection { connection in
                        try PostgresWorkerBatches.complete(batch, on: connection).map { .some($0) }
                    }
                }, alone: { completion in try await Self.completeAlone(completion, database: database) })
        }
    }

    /// The most starts one batch has held so far (for tests).
    var largestStartBatch: Int { starts.largestBatch }
    /// The most claims, and completions, one batch has held so far (for tests).
    var largestWorkerBatches: (claims: Int, completions: Int) { (claims.largestBatch, completions.largestBatch) }

    public func startRun(
        _ run: Run, input: RunInput, model: String, debit: LedgerEntry, idempotencyKey: String?,
        requestHash: String
    ) async throws -> StartRunOutcome {
        precondition(debit.amount == -run.cost.amount && debit.kind == .debit, "the debit is the run's cost")
        return try await starts.submit(
            PendingStart(
                run: run, input: input, model: model, debit: debit, idempotencyKey: idempotencyKey,
                requestHash: requestHash))
    }

    public func claimRun(id: String, nowUnix: Int64, takeOverBeforeUnix: Int64) async throws
        -> (run: Run, input: RunInput)?
    {
        let claimed = try await claims.submit(
            PendingClaim(id: id, nowUnix: nowUnix, takeOverBeforeUnix: takeOverBeforeUnix))
        return claimed.map { ($0.run, $0.input) }
    }

    public func completeRun(id: String, attempt: Int, output: WorkflowOutput, nowUnix: Int64) async throws -> Bool {
        try await completions.submit(PendingCompletion(id: id, attempt: attempt, output: output, nowUnix: nowUnix))
    }

    /// One start, one statement. The debit's ledger row is written inside the statement, and the
    /// wallet moves by the same amount in the same statement: `SQLLedger.post`'s rule, in one round trip.
    private static func startAlone(_ start: PendingStart, database: any SQLDatabase) async throws -> StartRunOutcome {
        let (run, input, model, debit) = (start.run, start.input, start.model, start.debit)
        let (idempotencyKey, requestHash) = (start.idempotencyKey, start.requestHash)
        let column = run.cost.currency.rawValue  // an enum case, never user text
        var parameters: [SQLValue] = [
            .text(run.id), .text(run.universityID.rawValue), .text(run.userID), .text(run.kind.rawValue),  // $1-$4
            .text(run.cost.currency.rawValue), .integer(run.cost.amount), .integer(Int64(run.maxAttempts)),  // $5-$7
            idempotencyKey.map(SQLValue.text) ?? .null, .text(requestHash), .integer(run.createdAtUnix),  // $8-$10
            .text(debit.id), debit.feature.map { .text($0.rawValue) } ?? .null, .integer(debit.amount),
            .text(debit.metadata), .text(run.plan.rawValue),  // $11-$15
        ]
        let inputInsert: String
        switch input {
        case .jobPack(let title, let company, let description, let resume):
            parameters += [.text(title), .text(company), .text(description), .text(resume), .text(model)]  // $16-$20
            inputInsert = """
                INSERT INTO job_pack_requests (run_id, university_id, user_id, job_title, company, job_description, resume_text, model, created_at)
                SELECT id, $2::text, $3::text, $16::text, $17::text, $18::text, $19::text, $20::text, $10::bigint FROM r
                """
        case .skillMapper(let url, let profile, let resume):
            parameters += [.text(url), .text(profile), .text(resume)]  // $16-$18
            inputInsert = """
                INSERT INTO skill_mapper_runs (run_id, university_id, user_id, profile_portal_url, profile_text, resume_text, created_at)
                SELECT id, $2::text, $3::text, $16::text, $17::text, $18::text, $10::bigint FROM r
                """
        }
        let sql = """
            WITH w AS (
                UPDATE credit_wallets SET \(column) = \(column) - $6::bigint, updated_at = $10::bigint
                WHERE university_id = $2::text AND user_id = $3::text AND \(column) >= $6::bigint RETURNING user_id),
            r AS (
                INSERT INTO runs (id, university_id, user_id, kind, status, cost_currency, cost_amount, attempts, max_attempts,
                                  idempotency_key, request_hash, enqueued_at, created_at, updated_at, plan)
                SELECT $1::text, $2::text, $3::text, $4::text, 'queued', $5::text, $6::bigint, 0, $7::integer,
                       $8::text, $9::text, $10::bigint, $10::bigint, $10::bigint, $15::text FROM w RETURNING id),
            i AS (\(inputInsert)),
            l AS (
                INSERT INTO credit_transactions (id, user_id, university_id, feature, currency, amount, type, run_id, status, metadata, created_at)
                SELECT $11::text, $3::text, $2::text, $12::text, $5::text, $13::bigint, 'debit', id, 'pending', $14::text, $10::bigint FROM r)
            SELECT COUNT(*) AS started FROM r
            """
        let bound = parameters
        for _ in 0..<3 {
            if let idempotencyKey, let earlier = try await earlierRun(run: run, key: idempotencyKey, database: database)
            {
                return earlier
            }
            do {
                let started = try await database.withConnection { connection in
                    try connection.query(sql, bound).first?.integer("started") ?? 0
                }
                if started == 1 { return .started }
                // Not debited: maybe the balance is short, or maybe a concurrent start with this key
                // took the credits first (the wallet's row lock made this statement wait for it, then
                // see the lower balance). That one's run is the answer, not INSUFFICIENT_CREDITS.
                if let idempotencyKey,
                    let earlier = try await earlierRun(run: run, key: idempotencyKey, database: database)
                {
                    return earlier
                }
                let available = try await database.domainTransaction { connection in
                    try SQLRunTransaction(connection: connection).wallet(in: run.universityID, userID: run.userID)?
                        .balance(run.cost.currency) ?? 0
                }
                return .insufficient(available: available)
            } catch StorageError.uniqueViolation {
                continue  // the same key at once from another call: its run is there now
            } catch let error as StorageError {
                throw error.domainError
            }
        }
        throw DomainError(
            .aborted, reason: .transactionConflict, "the run could not be started for conflicting retries; try again")
    }

    private static func earlierRun(run: Run, key: String, database: any SQLDatabase) async throws -> StartRunOutcome? {
        try await database.domainTransaction { connection in
            try SQLRunTransaction(connection: connection).run(
                in: run.universityID, userID: run.userID, idempotencyKey: key
            ).map { .existing($0.run, requestHash: $0.requestHash) }
        }
    }

    private static func claimAlone(_ claim: PendingClaim, database: any SQLDatabase) async throws -> ClaimedRun? {
        let sql = """
            WITH c AS (
                UPDATE runs SET status = 'running', attempts = attempts + 1, started_at = $2::bigint, heartbeat_at = $2::bigint,
                                updated_at = $2::bigint
                WHERE id = $1::text AND (status = 'queued' OR (status = 'running' AND attempts < max_attempts
                      AND COALESCE(heartbeat_at, started_at, created_at) < $3::bigint)) RETURNING *)
            \(PostgresWorkerBatches.claimedRunSelect)
            """
        let parameters: [SQLValue] = [.text(claim.id), .integer(claim.nowUnix), .integer(claim.takeOverBeforeUnix)]
        do {
            return try await database.withConnection { connection in
                try connection.query(sql, parameters).first.map(PostgresWorkerBatches.claimedRun)
            }
        } catch let error as StorageError {
            throw error.domainError
        }
    }

    private static func completeAlone(_ completion: PendingCompletion, database: any SQLDatabase) async throws -> Bool {
        // One round trip: the run, its usage, its PDF (when it has one) and its debit row.
        let (id, attempt, output, nowUnix) = (completion.id, completion.attempt, completion.output, completion.nowUnix)
        let usage = output.usage
        let sql = """
            WITH r AS (
                UPDATE runs SET status = 'succeeded', result_json = $2::text, finished_at = $3::bigint, updated_at = $3::bigint,
                    usage_model = CASE WHEN $4::text = '' THEN usage_model ELSE $4::text END,
                    usage_prompt_tokens = usage_prompt_tokens + $5::bigint,
                    usage_completion_tokens = usage_completion_tokens + $6::bigint,
                    usage_cached_tokens = usage_cached_tokens + $7::bigint,
                    usage_model_calls = usage_model_calls + $8::integer
                WHERE id = $1::text AND status = 'running' AND attempts = $11::integer RETURNING id),
            d AS (UPDATE credit_transactions SET status = 'completed' WHERE run_id IN (SELECT id FROM r) AND type = 'debit'),
            p AS (
                INSERT INTO run_pdfs (run_id, pdf_base64, size_bytes, created_at)
                SELECT id, $9::text, $10::bigint, $3::bigint FROM r WHERE $9::text IS NOT NULL)
            SELECT COUNT(*) AS completed FROM r
            """
        let parameters: [SQLValue] = [
            .text(id), .text(output.resultJSON), .integer(nowUnix), .text(usage.model), .integer(usage.promptTokens),
            .integer(usage.completionTokens), .integer(usage.cachedTokens), .integer(Int64(usage.modelCalls)),
            output.pdf.map { .text(SQLRunTransaction.base64($0)) } ?? .null, .integer(Int64(output.pdf?.count ?? 0)),
            .integer(Int64(attempt)),
        ]
        do {
            return try await database.withConnection { connection in
                try connection.query(sql, parameters).first?.integer("completed") == 1
            }
        } catch let error as StorageError {
            throw error.domainError
        }
    }
}
