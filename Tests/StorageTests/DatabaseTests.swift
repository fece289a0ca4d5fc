import Foundation
import Storage
import TestSupport
import Testing

@Suite("SQL database on both engines")
struct DatabaseTests {
    @Test("values round-trip, and $n parameters bind by number", arguments: Engine.testable)
    func valuesRoundTrip(_ engine: Engine) async throws {
        guard let test = try await TestDatabase.make(engine) else { return }
        defer { Task { await test.close() } }
        let row = try await test.database.transaction { connection in
            try connection.execute("CREATE TABLE t (a BIGINT, b TEXT, c BOOLEAN, d TEXT)")
            // $2 before $1 in the statement: SQLite treats $n as names, so this catches positional binding.
            try connection.execute(
                "INSERT INTO t (b, a, c, d) VALUES ($2, $1, $3, $4)",
                [.integer(Int64.max), .text("héllo 'quoted' 😀"), .bool(true), .null])
            return try connection.query("SELECT a, b, c, d FROM t")[0]
        }
        #expect(try row.integer("a") == Int64.max)
        #expect(try row.text("b") == "héllo 'quoted' 😀")
        #expect(try row.bool("c") == true)
        #expect(try row.optionalText("d") == nil)
    }

    @Test("a transaction that throws leaves nothing behind", arguments: Engine.testable)
    func rollback(_ engine: Engine) async throws {
        guard let test = try await TestDatabase.make(engine) else { return }
        defer { Task { await test.close() } }
        _ = try await test.database.transaction { try $0.execute("CREATE TABLE t (a BIGINT)") }
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await test.database.transaction { connection in
                try connection.execute("INSERT INTO t (a) VALUES (1)")
                throw Boom()
            }
        }
        let count = try await test.database.transaction { try $0.query("SELECT COUNT(*) AS n FROM t")[0].integer("n") }
        #expect(count == 0)
    }

    @Test("unique and check constraints are reported as such", arguments: Engine.testable)
    func constraints(_ engine: Engine) async throws {
        guard let test = try await TestDatabase.make(engine) else { return }
        defer { Task { await test.close() } }
        try await test.database.transaction {
            try $0.execute("CREATE TABLE w (id TEXT PRIMARY KEY, silver BIGINT NOT NULL CHECK (silver >= 0))")
            try $0.execute("INSERT INTO w (id, silver) VALUES ('a', 1)")
        }
        do {
            _ = try await test.database.transaction { try $0.execute("INSERT INTO w (id, silver) VALUES ('a', 2)") }
            Issue.record("a duplicate key was accepted")
        } catch let error as StorageError {
            guard case .uniqueViolation = error else {
                Issue.record("\(error)")
                return
            }
        }
        do {
            _ = try await test.database.transaction {
                try $0.execute("UPDATE w SET silver = silver - 5 WHERE id = 'a'")
            }
            Issue.record("a negative balance was accepted")
        } catch let error as StorageError {
            guard case .constraintViolation = error else {
                Issue.record("\(error)")
                return
            }
        }
    }

    @Test("concurrent transactions each see their own writes and all commit", arguments: Engine.testable)
    func concurrentTransactions(_ engine: Engine) async throws {
        guard let test = try await TestDatabase.make(engine) else { return }
        defer { Task { await test.close() } }
        try await test.database.transaction {
            try $0.execute("CREATE TABLE c (id TEXT PRIMARY KEY, n BIGINT NOT NULL)")
            try $0.execute("INSERT INTO c (id, n) VALUES ('x', 0)")
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    _ = try await test.database.transaction { try $0.execute("UPDATE c SET n = n + 1 WHERE id = 'x'") }
                }
            }
            try await group.waitForAll()
        }
        let n = try await test.database.transaction { try $0.query("SELECT n FROM c")[0].integer("n") }
        #expect(n == 50)
    }

    /// Many transactions at once, some failing in different ways: each must stand alone — its own
    /// result, its own rollback, nothing left of a failed one.
    @Test(
        "300 concurrent transactions, a third throwing after writing and a third breaking a unique key: each one commits or rolls back alone",
        arguments: Engine.testable)
    func concurrentMixedOutcomes(_ engine: Engine) async throws {
        guard let test = try await TestDatabase.make(engine) else { return }
        defer { Task { await test.close() } }
        try await test.database.transaction {
            try $0.execute("CREATE TABLE m (id BIGINT PRIMARY KEY, note TEXT NOT NULL)")
            try $0.execute("CREATE TABLE total (id TEXT PRIMARY KEY, n BIGINT NOT NULL)")
            try $0.execute("INSERT INTO total (id, n) VALUES ('x', 0)")
            try $0.execute("INSERT INTO m (id, note) VALUES (-1, 'taken')")
        }
        struct Thrown: Error { let index: Int }
        let outcomes = try await withThrowingTaskGroup(of: (Int, Result<Int64, any Error>).self) { group in
            for index in 0..<300 {
                group.addTask {
                    let result: Result<Int64, any Error>
                    do {
                        result = .success(
                            try await test.database.transaction { connection in
                                try connection.execute("UPDATE total SET n = n + 1 WHERE id = 'x'")
                                switch index % 3 {
                                case 0:
                                    try connection.execute(
                                        "INSERT INTO m (id, note) VALUES ($1, 'kept')", [.integer(Int64(index))])
                                case 1:
                                    try connection.execute(
                                        "INSERT INTO m (id, note) VALUES ($1, 'thrown')", [.integer(Int64(index))])
                                    throw Thrown(index: index)
                                default:
                                    try connection.execute(
                                        "INSERT INTO m (id, note) VALUES ($1, 'before')", [.integer(Int64(index))])
                                    try connection.execute("INSERT INTO m (id, note) VALUES (-1, 'duplicate')")
                                }
                                return Int64(index)
                            })
                    } catch {
                        result = .failure(error)
                    }
                    return (index, result)
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.count == 300)
        for (index, outcome) in outcomes {
            switch (index % 3, outcome) {
            case (0, .success(let value)): #expect(value == Int64(index), "each caller gets its own result")
            case (1, .failure(let error)): #expect((error as? Thrown)?.index == index)
            case (2, .failure(let error)):
                #expect((error as? StorageError).map { if case .uniqueViolation = $0 { true } else { false } } == true)
            default: Issue.record("transaction \(index): unexpected \(outcome)")
            }
        }
        let rows = try await test.database.transaction { try $0.query("SELECT id, note FROM m ORDER BY id") }
        let kept = try rows.map { try $0.integer("id") }
        #expect(kept == [-1] + stride(from: 0, to: 300, by: 3).map(Int64.init), "only the committed transactions' rows")
        #expect(try rows.allSatisfy { try $0.text("note") != "thrown" && $0.text("note") != "before" })
        let total = try await test.database.transaction { try $0.query("SELECT n FROM total")[0].integer("n") }
        #expect(total == 100, "the failed transactions' updates are gone too")
    }

    @Test("a transaction cancelled while it waits for the database never runs")
    func cancelledWhileWaiting() async throws {
        guard let test = try await TestDatabase.make(.sqlite) else { return }
        defer { Task { await test.close() } }
        _ = try await test.database.transaction { try $0.execute("CREATE TABLE w (id TEXT PRIMARY KEY)") }
        // The database's one thread is busy until the test lets it go.
        let gate = DispatchSemaphore(value: 0)
        let busy = Task { try await test.database.withConnection { _ in gate.wait() } }
        try await Task.sleep(for: .milliseconds(50))
        let waiter = Task {
            try await test.database.transaction { try $0.execute("INSERT INTO w (id) VALUES ('cancelled')") }
        }
        try await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        gate.signal()
        try await busy.value
        await #expect(throws: CancellationError.self) { _ = try await waiter.value }
        let rows = try await test.database.transaction { try $0.query("SELECT id FROM w") }
        #expect(rows.isEmpty)
    }
}

@Suite("Migrations on both engines")
struct MigrationTests {
    @Test("from empty every migration applies; a second run applies nothing", arguments: Engine.testable)
    func fromEmptyAndTwice(_ engine: Engine) async throws {
        guard let test = try await TestDatabase.make(engine) else { return }
        defer { Task { await test.close() } }
        let migrator = Migrator(database: test.database)
        #expect(try await migrator.migrate() == Schema.migrations.map(\.version))
        #expect(try await migrator.migrate() == [])
        #expect(try await migrator.appliedVersions() == Schema.migrations.map(\.version))
        // The schema is really there, with its constraints.
        let tables = try await test.database.transaction { connection in
            try connection.query(
                engine == .sqlite
                    ? "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
                    : "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name"
            ).map { try $0.text("name") }
        }
        for table in [
            "universities", "users", "credit_wallets", "credit_transactions", "runs", "job_pack_requests",
            "skill_mapper_runs", "otp_requests", "sessions", "schema_migrations",
        ] {
            #expect(tables.contains(table), "missing table \(table)")
        }
    }

    @Test("two migrators at once apply each migration exactly once", arguments: Engine.testable)
    func concurrentMigrators(_ engine: Engine) async throws {
        guard let test = try await TestDatabase.make(engine) else { return }
        defer { Task { await test.close() } }
        // A second, independent connection pool to the same database, as a second server would have.
        let second = try DatabaseFactory.open(url: test.url, logger: TestDatabase.logger)
        async let first = Migrator(database: test.database).migrate()
        async let other = Migrator(database: second).migrate()
        let applied = try await first + other
        #expect(applied.sorted() == Schema.migrations.map(\.version))
        await second.close()
    }

    @Test("the ledger allows one refund per run and no negative wallet", arguments: Engine.testable)
    func ledgerConstraints(_ engine: Engine) async throws {
        guard let test = try await TestDatabase.make(engine) else { return }
        defer { Task { await test.close() } }
        try await Migrator(database: test.database).migrate()
        try await test.database.transaction { c in
            try c.execute(
                "INSERT INTO universities (id, name, subdomain, created_at, updated_at) VALUES ('u1', 'U', 'uu', 0, 0)")
            try c.execute("INSERT INTO users (id, university_id, email, created_at) VALUES ('p1', 'u1', 'a@u.edu', 0)")
            try c.execute(
                "INSERT INTO credit_wallets (user_id, university_id, silver, gold, updated_at) VALUES ('p1', 'u1', 1, 0, 0)"
            )
            try c.execute(
                """
                INSERT INTO runs (id, university_id, user_id, kind, status, cost_currency, cost_amount, request_hash, created_at, updated_at)
                VALUES ('r1', 'u1', 'p1', 'job_pack', 'failed', 'silver', 1, 'h', 0, 0)
                """)
            try c.execute(
                """
                INSERT INTO credit_transactions (id, user_id, university_id, currency, amount, type, run_id, status, created_at)
                VALUES ('t1', 'p1', 'u1', 'silver', 1, 'refund', 'r1', 'completed', 0)
                """)
        }
        await #expect(throws: StorageError.self) {
            try await test.database.transaction { c in
                try c.execute(
                    """
                    INSERT INTO credit_transactions (id, user_id, university_id, currency, amount, type, run_id, status, created_at)
                    VALUES ('t2', 'p1', 'u1', 'silver', 1, 'refund', 'r1', 'completed', 0)
                    """)
            }
        }
        await #expect(throws: StorageError.self) {
            _ = try await test.database.transaction {
                try $0.execute("UPDATE credit_wallets SET silver = silver - 2 WHERE user_id = 'p1'")
            }
        }
        await #expect(throws: StorageError.self) {
            try await test.database.transaction { c in
                try c.execute(
                    """
                    INSERT INTO credit_transactions (id, user_id, university_id, currency, amount, type, status, created_at)
                    VALUES ('t3', 'p1', 'u1', 'bronze', 1, 'topup', 'completed', 0)
                    """)
            }
        }
    }

    @Test(
        "a run, a ledger row, a wallet and a session must name a user of their own university",
        arguments: Engine.testable)
    func rowsNameAMemberOfTheirUniversity(_ engine: Engine) async throws {
        guard let test = try await TestDatabase.make(engine) else { return }
        defer { Task { await test.close() } }
        try await Migrator(database: test.database).migrate()
        try await test.database.transaction { c in
            for (university, subdomain) in [("u1", "uu"), ("u2", "vv")] {
                try c.execute(
                    "INSERT INTO universities (id, name, subdomain, created_at, updated_at) VALUES ($1, 'U', $2, 0, 0)",
                    [.text(university), .text(subdomain)])
            }
            try c.execute("INSERT INTO users (id, university_id, email, created_at) VALUES ('p1', 'u1', 'a@u.edu', 0)")
            try c.execute(
                """
                INSERT INTO runs (id, university_id, user_id, kind, status, cost_currency, cost_amount, request_hash, created_at, updated_at)
                VALUES ('r1', 'u1', 'p1', 'job_pack', 'queued', 'silver', 1, 'h', 0, 0)
                """)
        }
        // p1 studies at u1: each row that pairs p1 with u2 is refused, as is one naming no user at all.
        let refused = [
            "INSERT INTO credit_wallets (user_id, university_id, silver, gold, updated_at) VALUES ('p1', 'u2', 1, 0, 0)",
            """
            INSERT INTO runs (id, university_id, user_id, kind, status, cost_currency, cost_amount, request_hash, created_at, updated_at)
            VALUES ('r2', 'u2', 'p1', 'job_pack', 'queued', 'silver', 1, 'h', 0, 0)
            """,
            """
            INSERT INTO credit_transactions (id, user_id, university_id, currency, amount, type, run_id, status, created_at)
            VALUES ('t1', 'p1', 'u2', 'silver', -1, 'debit', 'r1', 'pending', 0)
            """,
            """
            INSERT INTO job_pack_requests (run_id, university_id, user_id, job_title, company, job_description, resume_text, model, created_at)
            VALUES ('r1', 'u2', 'p1', 't', 'c', 'd', 'r', 'm', 0)
            """,
            "INSERT INTO sessions (token_hash, user_id, university_id, created_at, expires_at) VALUES ('h', 'p1', 'u2', 0, 1)",
            "INSERT INTO sessions (token_hash, user_id, university_id, created_at, expires_at) VALUES ('h', 'p9', 'u1', 0, 1)",
            "UPDATE runs SET university_id = 'u2' WHERE id = 'r1'",
        ]
        for statement in refused {
            await #expect(throws: StorageError.self, "accepted: \(statement)") {
                try await test.database.transaction { try $0.execute(statement) }
            }
        }
        // The same rows with the user's own university are accepted.
        try await test.database.transaction { c in
            try c.execute(
                "INSERT INTO credit_wallets (user_id, university_id, silver, gold, updated_at) VALUES ('p1', 'u1', 1, 0, 0)"
            )
            try c.execute(
                "INSERT INTO sessions (token_hash, user_id, university_id, created_at, expires_at) VALUES ('h', 'p1', 'u1', 0, 1)"
            )
        }
        // And on PostgreSQL no foreign key of these tables points at universities any more: that row
        // was where every start of every student of one university met.
        guard engine == .postgres else { return }
        let toUniversities = try await test.database.transaction { c in
            try c.query(
                """
                SELECT conrelid::regclass::text AS source FROM pg_constraint
                WHERE contype = 'f' AND confrelid = 'universities'::regclass AND conrelid::regclass::text <> 'users'
                  AND conrelid::regclass::text <> 'otp_requests'
                """
            ).map { try $0.text("source") }
        }
        #expect(toUniversities == [])
    }
}

@Suite("PostgreSQL connection loss")
struct PostgresReconnectTests {
    @Test(
        "a killed connection fails one call with UNAVAILABLE at most, and the next call reconnects",
        .enabled(if: TestServices.postgres, "needs PostgreSQL (scripts/test.sh starts one)"))
    func reconnectAfterKill() async throws {
        guard let test = try await TestDatabase.make(.postgres) else { return }
        defer { Task { await test.close() } }
        let pid = try await test.database.withConnection {
            try $0.query("SELECT pg_backend_pid() AS pid")[0].integer("pid")
        }
        let admin = PostgresDatabase(url: TestDatabase.postgresAdminURL!, logger: TestDatabase.logger)
        _ = try await admin.withConnection { try $0.query("SELECT pg_terminate_backend($1)", [.integer(pid)]) }
        await admin.close()
        var failures = 0
        for _ in 0..<3 {
            do {
                let one = try await test.database.transaction { try $0.query("SELECT 1 AS one")[0].integer("one") }
                #expect(one == 1)
            } catch let error as StorageError {
                guard case .unavailable = error else {
                    Issue.record("\(error)")
                    return
                }
                failures += 1
            }
        }
        #expect(failures <= 1)
        let newPid = try await test.database.withConnection {
            try $0.query("SELECT pg_backend_pid() AS pid")[0].integer("pid")
        }
        #expect(newPid != pid)
    }
}
