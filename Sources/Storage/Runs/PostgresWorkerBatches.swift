import Domain

/// A claim waiting for its batch: what `RunStore.claimRun` was given.
struct PendingClaim: Sendable {
    let id: String
    let nowUnix: Int64
    let takeOverBeforeUnix: Int64
}

/// A completion waiting for its batch: what `RunStore.completeRun` was given.
struct PendingCompletion: Sendable {
    let id: String
    let attempt: Int
    let output: WorkflowOutput
    let nowUnix: Int64
}

/// A claimed run and what it works on.
struct ClaimedRun: Sendable {
    let run: Run
    let input: RunInput
}

/// A worker's claims, and its completions, many in one statement: the same effects, row for row, as
/// the statement for one (`PostgresRunStore.claimAlone`, `completeAlone`), one commit for all. Each item
/// is settled: claimed or not, completed or not (a run taken over by another attempt is not).
enum PostgresWorkerBatches {
    static func claim(_ claims: [PendingClaim], on connection: any SQLConnection) throws(StorageError)
        -> [ClaimedRun?]
    {
        precondition(Set(claims.map(\.id)).count == claims.count, "one claim per run in a batch")
        let rows = try connection.query(
            claimStatement,
            [
                .text(PostgresArrayLiteral.texts(claims.map(\.id))),
                .text(PostgresArrayLiteral.integers(claims.map(\.nowUnix))),
                .text(PostgresArrayLiteral.integers(claims.map(\.takeOverBeforeUnix))),
            ])
        var claimed: [String: ClaimedRun] = [:]
        for row in rows {
            let run = try claimedRun(row)
            claimed[run.run.id] = run
        }
        return claims.map { claimed[$0.id] }
    }

    static func complete(_ completions: [PendingCompletion], on connection: any SQLConnection) throws(StorageError)
        -> [Bool]
    {
        precondition(Set(completions.map(\.id)).count == completions.count, "one completion per run in a batch")
        func texts(_ value: (PendingCompletion) -> String?) -> SQLValue {
            .text(PostgresArrayLiteral.texts(completions.map(value)))
        }
        func integers(_ value: (PendingCompletion) -> Int64) -> SQLValue {
            .text(PostgresArrayLiteral.integers(completions.map(value)))
        }
        let rows = try connection.query(
            completeStatement,
            [
                texts(\.id), integers { Int64($0.attempt) }, texts(\.output.resultJSON), integers(\.nowUnix),  // $1-$4
                texts(\.output.usage.model), integers(\.output.usage.promptTokens),  // $5-$6
                integers(\.output.usage.completionTokens), integers(\.output.usage.cachedTokens),  // $7-$8
                integers { Int64($0.output.usage.modelCalls) },  // $9
                texts { $0.output.pdf.map(SQLRunTransaction.base64) }, integers { Int64($0.output.pdf?.count ?? 0) },  // $10-$11
            ])
        var completed = Set<String>()
        for row in rows { completed.insert(try row.text("id")) }
        return completions.map { completed.contains($0.id) }
    }

    /// What a claim returns, after `c`, the claimed rows: the run and its input.
    static let claimedRunSelect = """
        SELECT \(SQLRunTransaction.runColumns.split(separator: ",")
            .map { "c.\($0.trimmingCharacters(in: .whitespaces))" }.joined(separator: ", ")),
               j.job_title, j.company, j.job_description, j.resume_text AS jp_resume_text,
               s.profile_portal_url, s.profile_text, s.resume_text AS sm_resume_text
        FROM c LEFT JOIN job_pack_requests j ON j.run_id = c.id LEFT JOIN skill_mapper_runs s ON s.run_id = c.id
        """

    static func claimedRun(_ row: SQLRow) throws(StorageError) -> ClaimedRun {
        let run = try SQLRunTransaction.run(row)
        switch run.kind {
        case .jobPack:
            return ClaimedRun(run: run, input: try SQLRunTransaction.jobPackInput(row, resumeColumn: "jp_resume_text"))
        case .skillMapper:
            return ClaimedRun(
                run: run, input: try SQLRunTransaction.skillMapperInput(row, resumeColumn: "sm_resume_text"))
        }
    }

    private static let claimStatement = """
        WITH i AS (SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS t(id, now, take_over_before)),
        c AS (
            UPDATE runs SET status = 'running', attempts = runs.attempts + 1, started_at = i.now, heartbeat_at = i.now,
                            updated_at = i.now
            FROM i
            WHERE runs.id = i.id AND (runs.status = 'queued' OR (runs.status = 'running' AND runs.attempts < runs.max_attempts
                  AND COALESCE(runs.heartbeat_at, runs.started_at, runs.created_at) < i.take_over_before))
            RETURNING runs.*)
        \(claimedRunSelect)
        """

    private static let completeStatement = """
        WITH i AS (
            SELECT * FROM unnest($1::text[], $2::integer[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::bigint[],
                                 $8::bigint[], $9::integer[], $10::text[], $11::bigint[])
                AS t(id, attempt, result_json, now, model, prompt_tokens, completion_tokens, cached_tokens, model_calls,
                     pdf_base64, pdf_size)),
        r AS (
            UPDATE runs SET status = 'succeeded', result_json = i.result_json, finished_at = i.now, updated_at = i.now,
                usage_model = CASE WHEN i.model = '' THEN runs.usage_model ELSE i.model END,
                usage_prompt_tokens = runs.usage_prompt_tokens + i.prompt_tokens,
                usage_completion_tokens = runs.usage_completion_tokens + i.completion_tokens,
                usage_cached_tokens = runs.usage_cached_tokens + i.cached_tokens,
                usage_model_calls = runs.usage_model_calls + i.model_calls
            FROM i
            WHERE runs.id = i.id AND runs.status = 'running' AND runs.attempts = i.attempt RETURNING runs.id),
        d AS (UPDATE credit_transactions SET status = 'completed' WHERE run_id IN (SELECT id FROM r) AND type = 'debit'),
        p AS (
            INSERT INTO run_pdfs (run_id, pdf_base64, size_bytes, created_at)
            SELECT i.id, i.pdf_base64, i.pdf_size, i.now FROM i JOIN r ON r.id = i.id WHERE i.pdf_base64 IS NOT NULL)
        SELECT id FROM r
        """
}
