import Domain
import Foundation
import TestSupport
import Testing

@testable import Storage

/// Starts in batches on PostgreSQL: the batch statement itself, row for row, and the store under
/// many concurrent starts (where batches form on their own).
@Suite(
    "PostgreSQL batches: starts, claims, completions", .timeLimit(.minutes(2)),
    .enabled(if: TestServices.postgres, "needs PostgreSQL (scripts/test.sh starts one)"))
struct PostgresBatchTests {
    static let university = UniversityID("u1")

    /// Students s0…s(n-1) of one university, each with the given credits granted through the ledger
    /// (so that the audit can check every wallet against its rows).
    static func seed(_ database: any SQLDatabase, students: Int, silver: Int64, gold: Int64) async throws {
        try await Migrator(database: database).migrate()
        try await database.transaction { c in
            try c.execute(
                "INSERT INTO universities (id, name, subdomain, created_at, updated_at) VALUES ('u1', 'U', 'uu', 0, 0)")
            for n in 0..<students {
                try c.execute(
                    "INSERT INTO users (id, university_id, email, created_at) VALUES ($1, 'u1', $2, 0)",
                    [.text("s\(n)"), .text("s\(n)@u.edu")])
                try c.execute(
                    "INSERT INTO credit_wallets (user_id, university_id, silver, gold, updated_at) VALUES ($1, 'u1', $2, $3, 0)",
                    [.text("s\(n)"), .integer(silver), .integer(gold)])
                for (currency, amount) in [("silver", silver), ("gold", gold)] where amount > 0 {
                    try c.execute(
                        """
                        INSERT INTO credit_transactions (id, user_id, university_id, currency, amount, type, status, metadata, created_at)
                        VALUES ($1, $2, 'u1', $3, $4, 'system', 'completed', '{}', 0)
                        """, [.text("grant-\(currency)-\(n)"), .text("s\(n)"), .text(currency), .integer(amount)])
                }
            }
        }
    }

    static func start(_ student: Int, _ input: RunInput, key: String? = nil, hash: String = "h") -> PendingStart {
        let currency: Currency = input.kind == .jobPack ? .silver : .gold
        let id = TimeOrderedID.make()
        let run = Run(
            id: id, universityID: university, userID: "s\(student)", kind: input.kind, status: .queued,
            cost: Cost(currency: currency, amount: 1), attempts: 0, maxAttempts: 3, errorReason: nil, resultJSON: nil,
            createdAtUnix: 100, updatedAtUnix: 100)
        let debit = LedgerEntry(
            id: TimeOrderedID.make(), userID: "s\(student)", universityID: university, feature: input.kind.feature,
            currency: currency, amount: -1, kind: .debit, runID: id, status: .pending, metadata: "{\"plan\":\"free\"}",
            idempotencyKey: nil, createdAtUnix: 100)
        return PendingStart(run: run, input: input, model: "mock", debit: debit, idempotencyKey: key, requestHash: hash)
    }

    static func jobPack(_ title: String = "Analyst", description: String = "SQL") -> RunInput {
        .jobPack(jobTitle: title, company: "Acme", jobDescription: description, resumeText: "Statistics student")
    }

    static let skillMapper = RunInput.skillMapper(
        profilePortalURL: "", profileText: "Second-year CS student", resumeText: "resume")

    static func audit(_ database: any SQLDatabase) async throws -> LedgerAudit.Report {
        try await LedgerAudit(source: SQLLedgerAuditSource(database: database)).run()
    }

    @Test(
        "one batch: each funded start is debited once and written whole, text exactly as sent; a short wallet is left alone; an earlier key is found"
    )
    func oneBatch() async throws {
        guard let test = try await TestDatabase.make(.postgres) else { return }
        defer { Task { await test.close() } }
        try await Self.seed(test.database, students: 5, silver: 2, gold: 2)
        try await test.database.transaction {
            try $0.execute("UPDATE credit_wallets SET silver = 0 WHERE user_id = 's4'")
        }
        try await test.database.transaction {
            try $0.execute(
                "UPDATE credit_transactions SET amount = 0 WHERE user_id = 's4' AND currency = 'silver' AND type = 'system'"
            )
        }
        // Everything an array literal could misread: quotes, backslashes, braces, commas, the word NULL,
        // an empty string, new lines, letters beyond ASCII.
        let awkward = "a \"quoted\" \\ back\\\\slash, {braces}, NULL, 'single', ü 🎓\n\ttab,"
        let starts = [
            Self.start(0, Self.jobPack(awkward, description: "NULL")),
            Self.start(1, Self.skillMapper),
            Self.start(2, Self.jobPack("Keyed", description: ""), key: "k2", hash: "hash-2"),
            Self.start(3, Self.skillMapper, key: "k3"),
            Self.start(4, Self.jobPack()),  // no silver
        ]
        let outcomes = try await test.database.transaction { try PostgresStartBatch.run(starts, on: $0) }
        #expect(outcomes == [.started, .started, .started, .started, nil])

        let rows = try await test.database.transaction { c in
            try c.query(
                """
                SELECT r.user_id, r.kind, r.status, r.cost_currency, r.idempotency_key, r.request_hash, j.job_title,
                       j.job_description, j.model, s.profile_text, t.amount, t.currency AS debit_currency, t.status AS debit_status
                FROM runs r LEFT JOIN job_pack_requests j ON j.run_id = r.id LEFT JOIN skill_mapper_runs s ON s.run_id = r.id
                JOIN credit_transactions t ON t.run_id = r.id AND t.type = 'debit' ORDER BY r.user_id
                """)
        }
        #expect(rows.map { try? $0.text("user_id") } == ["s0", "s1", "s2", "s3"])
        #expect(try rows[0].text("job_title") == awkward && rows[0].text("job_description") == "NULL")
        #expect(try rows[0].text("model") == "mock" && rows[0].optionalText("idempotency_key") == nil)
        #expect(try rows[1].text("kind") == "skill_mapper" && rows[1].text("profile_text") == "Second-year CS student")
        #expect(try rows[2].text("job_description") == "" && rows[2].text("idempotency_key") == "k2")
        #expect(try rows[2].text("request_hash") == "hash-2")
        #expect(try rows.allSatisfy { try $0.text("status") == "queued" && $0.integer("amount") == -1 })
        #expect(try rows.allSatisfy { try $0.text("debit_status") == "pending" })
        #expect(try rows.map { try $0.text("debit_currency") } == ["silver", "gold", "silver", "gold"])
        let wallets = try await test.database.transaction { c in
            try c.query("SELECT user_id, silver, gold FROM credit_wallets ORDER BY user_id").map {
                "\(try $0.text("user_id")):\(try $0.integer("silver"))/\(try $0.integer("gold"))"
            }
        }
        #expect(wallets == ["s0:1/2", "s1:2/1", "s2:1/2", "s3:2/1", "s4:0/2"])
        #expect(try await Self.audit(test.database).isClean)

        // The same key again: the earlier run, with its request's hash; nothing debited. A new start of
        // the same student in the same batch as somebody else's is debited as before.
        let again = [Self.start(2, Self.jobPack("Keyed"), key: "k2", hash: "other"), Self.start(0, Self.jobPack())]
        let second = try await test.database.transaction { try PostgresStartBatch.run(again, on: $0) }
        guard case .existing(let earlier, let hash) = second[0] else {
            Issue.record("expected the earlier run, got \(String(describing: second[0]))")
            return
        }
        #expect(earlier.userID == "s2" && earlier.kind == .jobPack && hash == "hash-2")
        #expect(second[1] == .started)
        let balances = try await test.database.transaction { c in
            try c.query("SELECT user_id, silver FROM credit_wallets WHERE user_id IN ('s0', 's2') ORDER BY user_id").map
            {
                try $0.integer("silver")
            }
        }
        #expect(balances == [0, 1])
        #expect(try await Self.audit(test.database).isClean)
    }

    @Test(
        "many concurrent starts through the store: every credit is spent once, each short start is refused with its balance, the audit is clean"
    )
    func concurrentStarts() async throws {
        guard let test = try await TestDatabase.make(.postgres) else { return }
        defer { Task { await test.close() } }
        let students = 24
        let creditsEach: Int64 = 3
        let startsEach = 5
        try await Self.seed(test.database, students: students, silver: creditsEach, gold: 0)
        let store = PostgresRunStore(
            database: test.database, batchLimits: BatchLimits(maxBatch: 8, maxBatchesInFlight: 1))
        let outcomes = try await withThrowingTaskGroup(of: (Int, StartRunOutcome).self) { group in
            for student in 0..<students {
                for attempt in 0..<startsEach {
                    // Half the starts carry a key (the CLI always sends one); each key is new.
                    let key = attempt.isMultiple(of: 2) ? "key-\(student)-\(attempt)" : nil
                    let start = Self.start(student, Self.jobPack(), key: key)
                    group.addTask {
                        let outcome = try await store.startRun(
                            start.run, input: start.input, model: start.model, debit: start.debit,
                            idempotencyKey: start.idempotencyKey, requestHash: start.requestHash)
                        return (student, outcome)
                    }
                }
            }
            var byStudent: [Int: [StartRunOutcome]] = [:]
            for try await (student, outcome) in group { byStudent[student, default: []].append(outcome) }
            return byStudent
        }
        for student in 0..<students {
            let mine = outcomes[student] ?? []
            #expect(mine.filter { $0 == .started }.count == Int(creditsEach), "student \(student): \(mine)")
            #expect(mine.filter { $0 == .insufficient(available: 0) }.count == startsEach - Int(creditsEach))
        }
        let counts = try await test.database.transaction { c in
            try c.query(
                """
                SELECT (SELECT COUNT(*) FROM runs) AS runs, (SELECT COUNT(*) FROM job_pack_requests) AS inputs,
                       (SELECT COUNT(*) FROM credit_transactions WHERE type = 'debit') AS debits,
                       (SELECT SUM(silver) FROM credit_wallets) AS silver
                """
            ).first.map {
                [try $0.integer("runs"), try $0.integer("inputs"), try $0.integer("debits"), try $0.integer("silver")]
            }
        }
        #expect(store.largestStartBatch > 1, "starts that met at the database went in together")
        let spent = Int64(students) * creditsEach
        #expect(counts == [spent, spent, spent, 0])
        #expect(try await Self.audit(test.database).isClean)
    }

    /// Starts one Job Pack run for each of students 0..<count, returning their ids.
    static func startRuns(_ database: any SQLDatabase, count: Int) async throws -> [String] {
        let starts = (0..<count).map { Self.start($0, Self.jobPack()) }
        let outcomes = try await database.transaction { try PostgresStartBatch.run(starts, on: $0) }
        #expect(outcomes.allSatisfy { $0 == .started })
        return starts.map(\.run.id)
    }

    @Test(
        "a worker's claims and completions in one statement each: a queued run is claimed, a live one is not, a stale one is taken over; a completion of a taken-over attempt changes nothing"
    )
    func workerBatch() async throws {
        guard let test = try await TestDatabase.make(.postgres) else { return }
        defer { Task { await test.close() } }
        try await Self.seed(test.database, students: 4, silver: 1, gold: 0)
        let ids = try await Self.startRuns(test.database, count: 4)
        // Run 2 is running with a fresh heartbeat (a live worker has it); run 3 is running, but its
        // worker has not beaten since 100 (it died).
        try await test.database.transaction { c in
            try c.execute(
                "UPDATE runs SET status = 'running', attempts = 1, heartbeat_at = 1000 WHERE id = $1", [.text(ids[2])])
            try c.execute(
                "UPDATE runs SET status = 'running', attempts = 1, heartbeat_at = 100 WHERE id = $1", [.text(ids[3])])
        }
        let claims = (ids + ["no-such-run"]).map { PendingClaim(id: $0, nowUnix: 1_000, takeOverBeforeUnix: 500) }
        let claimed = try await test.database.withConnection { try PostgresWorkerBatches.claim(claims, on: $0) }
        #expect(claimed.map { $0?.run.attempts } == [1, 1, nil, 2, nil])
        #expect(claimed[0]?.input == Self.jobPack() && claimed[0]?.run.status == .running)
        #expect(claimed[3]?.run.id == ids[3])

        let pdf: [UInt8] = Array("%PDF-1.7 a small one".utf8)
        let usage = RunUsage(model: "gpt-test", promptTokens: 10, completionTokens: 5, cachedTokens: 2, modelCalls: 1)
        let completions = [
            PendingCompletion(
                id: ids[0], attempt: 1, output: WorkflowOutput(resultJSON: "{\"a\":1}", usage: usage, pdf: pdf),
                nowUnix: 1_001),
            PendingCompletion(id: ids[1], attempt: 1, output: WorkflowOutput(resultJSON: "{}"), nowUnix: 1_001),
            PendingCompletion(id: ids[3], attempt: 1, output: WorkflowOutput(resultJSON: "{}"), nowUnix: 1_001),  // taken over
        ]
        let completed = try await test.database.withConnection {
            try PostgresWorkerBatches.complete(completions, on: $0)
        }
        #expect(completed == [true, true, false])
        let rows = try await test.database.transaction { c in
            try c.query(
                """
                SELECT r.id, r.status, r.result_json, r.usage_model, r.usage_prompt_tokens, r.usage_model_calls, t.status AS debit,
                       p.size_bytes
                FROM runs r JOIN credit_transactions t ON t.run_id = r.id AND t.type = 'debit'
                LEFT JOIN run_pdfs p ON p.run_id = r.id WHERE r.id = ANY($1::text[])
                """, [.text(PostgresArrayLiteral.texts(ids))])
        }
        let byID = Dictionary(uniqueKeysWithValues: try rows.map { (try $0.text("id"), $0) })
        let first = try #require(byID[ids[0]])
        #expect(try first.text("status") == "succeeded" && first.text("result_json") == "{\"a\":1}")
        #expect(try first.text("usage_model") == "gpt-test" && first.integer("usage_prompt_tokens") == 10)
        #expect(try first.integer("usage_model_calls") == 1 && first.text("debit") == "completed")
        #expect(try first.integer("size_bytes") == Int64(pdf.count))
        #expect(try byID[ids[1]]?.text("status") == "succeeded" && byID[ids[1]]?.optionalText("size_bytes") == nil)
        #expect(try byID[ids[3]]?.text("status") == "running" && byID[ids[3]]?.text("debit") == "pending")
        let storedPDF = try await test.database.transaction {
            try SQLRunTransaction(connection: $0).runPDF(runID: ids[0])
        }
        #expect(storedPDF == pdf)
        #expect(try await Self.audit(test.database).isClean)
    }

    @Test("many concurrent claims and completions through the store: each run claimed once and completed once")
    func concurrentWorker() async throws {
        guard let test = try await TestDatabase.make(.postgres) else { return }
        defer { Task { await test.close() } }
        let runs = 48
        try await Self.seed(test.database, students: runs, silver: 1, gold: 0)
        let ids = try await Self.startRuns(test.database, count: runs)
        let store = PostgresRunStore(
            database: test.database, batchLimits: BatchLimits(maxBatch: 8, maxBatchesInFlight: 1))
        // Each run is claimed twice at once (a queue may deliver twice): one claim wins.
        let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
            for id in ids + ids {
                group.addTask {
                    guard let (run, _) = try await store.claimRun(id: id, nowUnix: 1_000, takeOverBeforeUnix: 500)
                    else {
                        return false
                    }
                    #expect(run.attempts == 1)
                    return try await store.completeRun(
                        id: id, attempt: run.attempts, output: WorkflowOutput(resultJSON: "{}"), nowUnix: 1_001)
                }
            }
            var wins = 0
            for try await won in group where won { wins += 1 }
            return wins
        }
        #expect(wins == runs)
        let batches = store.largestWorkerBatches
        #expect(batches.claims > 1 && batches.completions > 1, "claims and completions that met went in together")
        let states = try await test.database.transaction { c in
            try c.query("SELECT status, COUNT(*) AS n FROM runs GROUP BY status").map {
                "\(try $0.text("status")):\(try $0.integer("n"))"
            }
        }
        #expect(states == ["succeeded:\(runs)"])
        let debits = try await test.database.transaction { c in
            try c.query("SELECT COUNT(*) AS n FROM credit_transactions WHERE type = 'debit' AND status = 'completed'")
                .first?
                .integer("n")
        }
        #expect(debits == Int64(runs))
        #expect(try await Self.audit(test.database).isClean)
    }
}
