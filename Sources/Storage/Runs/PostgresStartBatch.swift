import Domain

/// A start waiting for its batch: what `RunStore.startRun` was given.
struct PendingStart: Sendable {
    let run: Run
    let input: RunInput
    let model: String
    let debit: LedgerEntry
    let idempotencyKey: String?
    let requestHash: String

    /// Two starts on one wallet never share a batch: the batch's UPDATE would debit the wallet once.
    var walletKey: String { run.universityID.rawValue + "\u{0}" + run.userID }
}

/// Many starts in one PostgreSQL transaction: their earlier runs (by idempotency-key) found in one
/// query, their wallets locked in one order, then debited, their runs, inputs and ledger rows written
/// by one statement over the batch's columns. The same effects, row for row, as `startRun`'s statement
/// for one start; one commit for all. A start whose wallet is short is not started here, and nil is
/// its outcome: the caller runs it alone, where it gets its own answer (the balance it saw).
enum PostgresStartBatch {
    static func run(_ starts: [PendingStart], on connection: any SQLConnection) throws(StorageError)
        -> [StartRunOutcome?]
    {
        precondition(Set(starts.map(\.walletKey)).count == starts.count, "one start per wallet in a batch")
        var outcomes = [StartRunOutcome?](repeating: nil, count: starts.count)
        let earlier = try earlierRuns(starts, on: connection)
        var toStart: [Int] = []
        for (index, start) in starts.enumerated() {
            if let key = start.idempotencyKey, let found = earlier[EarlierKey(userID: start.run.userID, key: key)] {
                outcomes[index] = .existing(found.run, requestHash: found.requestHash)
            } else {
                toStart.append(index)
            }
        }
        guard !toStart.isEmpty else { return outcomes }
        let batch = toStart.map { starts[$0] }
        // In one order for every batch: two batches sharing wallets wait for each other instead of
        // deadlocking (each statement alone would lock its rows in whatever order its plan reads them).
        try connection.query(
            """
            SELECT 1 FROM credit_wallets
            WHERE (university_id, user_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
            ORDER BY university_id, user_id FOR UPDATE
            """,
            [
                .text(PostgresArrayLiteral.texts(batch.map { $0.run.universityID.rawValue })),
                .text(PostgresArrayLiteral.texts(batch.map { $0.run.userID })),
            ])
        var started = Set<String>()
        for row in try connection.query(startStatement, columns(batch)) { started.insert(try row.text("id")) }
        for index in toStart where started.contains(starts[index].run.id) {
            outcomes[index] = .started
        }
        return outcomes
    }

    private struct EarlierKey: Hashable {
        let userID: String
        let key: String
    }

    private static func earlierRuns(_ starts: [PendingStart], on connection: any SQLConnection) throws(StorageError)
        -> [EarlierKey: (run: Run, requestHash: String)]
    {
        let keyed = starts.filter { $0.idempotencyKey != nil }
        guard !keyed.isEmpty else { return [:] }
        let rows = try connection.query(
            """
            SELECT \(SQLRunTransaction.runColumns), idempotency_key, request_hash FROM runs
            WHERE (university_id, user_id, idempotency_key) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))
            """,
            [
                .text(PostgresArrayLiteral.texts(keyed.map { $0.run.universityID.rawValue })),
                .text(PostgresArrayLiteral.texts(keyed.map { $0.run.userID })),
                .text(PostgresArrayLiteral.texts(keyed.map { $0.idempotencyKey })),
            ])
        var found: [EarlierKey: (run: Run, requestHash: String)] = [:]
        for row in rows {
            let run = try SQLRunTransaction.run(row)
            found[EarlierKey(userID: run.userID, key: try row.text("idempotency_key"))] = (
                run, try row.text("request_hash")
            )
        }
        return found
    }

    /// The columns of `startStatement`, one array each, in its parameters' order.
    private static func columns(_ starts: [PendingStart]) -> [SQLValue] {
        func texts(_ value: (PendingStart) -> String?) -> SQLValue {
            .text(PostgresArrayLiteral.texts(starts.map(value)))
        }
        func integers(_ value: (PendingStart) -> Int64) -> SQLValue {
            .text(PostgresArrayLiteral.integers(starts.map(value)))
        }
        func jobPack(_ start: PendingStart) -> (title: String, company: String, description: String, resume: String)? {
            guard case .jobPack(let title, let company, let description, let resume) = start.input else { return nil }
            return (title, company, description, resume)
        }
        func skillMapper(_ start: PendingStart) -> (url: String, profile: String, resume: String)? {
            guard case .skillMapper(let url, let profile, let resume) = start.input else { return nil }
            return (url, profile, resume)
        }
        return [
            texts { $0.run.id }, texts { $0.run.universityID.rawValue }, texts { $0.run.userID },  // $1-$3
            texts { $0.run.kind.rawValue }, texts { $0.run.cost.currency.rawValue },  // $4-$5
            integers { $0.run.cost.amount }, integers { Int64($0.run.maxAttempts) },  // $6-$7
            texts { $0.idempotencyKey }, texts { $0.requestHash }, integers { $0.run.createdAtUnix },  // $8-$10
            texts { $0.debit.id }, texts { $0.debit.feature?.rawValue }, integers { $0.debit.amount },  // $11-$13
            texts { $0.debit.metadata }, texts { $0.run.plan.rawValue }, texts { $0.model },  // $14-$16
            texts { jobPack($0)?.title }, texts { jobPack($0)?.company }, texts { jobPack($0)?.description },  // $17-$19
            texts { jobPack($0)?.resume ?? skillMapper($0)?.resume },  // $20
            texts { skillMapper($0)?.url }, texts { skillMapper($0)?.profile },  // $21-$22
        ]
    }

    /// `startRun`'s statement over a batch: the guarded debit of each wallet (by its run's currency),
    /// and for each debited wallet its run, its input and its pending debit row. The currencies and kinds
    /// are spelled as `Currency` and `Run.Kind` spell them (the batch tests start runs of both kinds in
    /// both currencies).
    private static let startStatement = """
        WITH i AS (
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::integer[],
                                 $8::text[], $9::text[], $10::bigint[], $11::text[], $12::text[], $13::bigint[], $14::text[],
                                 $15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[],
                                 $22::text[])
                AS t(run_id, university_id, user_id, kind, currency, amount, max_attempts, idempotency_key, request_hash,
                     now, debit_id, feature, debit_amount, metadata, plan, model, job_title, company, job_description,
                     resume_text, profile_portal_url, profile_text)),
        w AS (
            UPDATE credit_wallets c
            SET silver = c.silver - CASE WHEN i.currency = 'silver' THEN i.amount ELSE 0 END,
                gold = c.gold - CASE WHEN i.currency = 'gold' THEN i.amount ELSE 0 END,
                updated_at = i.now
            FROM i
            WHERE c.university_id = i.university_id AND c.user_id = i.user_id
              AND (CASE WHEN i.currency = 'silver' THEN c.silver WHEN i.currency = 'gold' THEN c.gold END) >= i.amount
            RETURNING i.run_id),
        r AS (
            INSERT INTO runs (id, university_id, user_id, kind, status, cost_currency, cost_amount, attempts, max_attempts,
                              idempotency_key, request_hash, enqueued_at, created_at, updated_at, plan)
            SELECT i.run_id, i.university_id, i.user_id, i.kind, 'queued', i.currency, i.amount, 0, i.max_attempts,
                   i.idempotency_key, i.request_hash, i.now, i.now, i.now, i.plan
            FROM i JOIN w ON w.run_id = i.run_id RETURNING id),
        j AS (
            INSERT INTO job_pack_requests (run_id, university_id, user_id, job_title, company, job_description, resume_text,
                                           model, created_at)
            SELECT i.run_id, i.university_id, i.user_id, i.job_title, i.company, i.job_description, i.resume_text, i.model,
                   i.now
            FROM i JOIN r ON r.id = i.run_id WHERE i.kind = 'job_pack'),
        s AS (
            INSERT INTO skill_mapper_runs (run_id, university_id, user_id, profile_portal_url, profile_text, resume_text,
                                           created_at)
            SELECT i.run_id, i.university_id, i.user_id, i.profile_portal_url, i.profile_text, i.resume_text, i.now
            FROM i JOIN r ON r.id = i.run_id WHERE i.kind = 'skill_mapper'),
        l AS (
            INSERT INTO credit_transactions (id, user_id, university_id, feature, currency, amount, type, run_id, status,
                                             metadata, created_at)
            SELECT i.debit_id, i.user_id, i.university_id, i.feature, i.currency, i.debit_amount, 'debit', i.run_id,
                   'pending', i.metadata, i.now
            FROM i JOIN r ON r.id = i.run_id)
        SELECT id FROM r
        """
}
