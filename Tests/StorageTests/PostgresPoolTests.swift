import Foundation
import Storage
import Synchronization
import TestSupport
import Testing

@Suite("PostgreSQL pool")
struct PostgresPoolTests {
    /// No timing assertion: the only connection stays busy until this test lets it go (an
    /// advisory lock held by a second pool), so "left at once" means "left while the connection
    /// was still taken". A watchdog lets the connection go after 20 s so a broken pool fails the
    /// test instead of hanging it.
    @Test(
        "a call cancelled while it waits for a connection leaves without it and never runs; the pool keeps its size",
        .enabled(if: TestServices.postgres, "needs PostgreSQL (scripts/test.sh starts one)"))
    func cancelledWaiter() async throws {
        guard let test = try await TestDatabase.make(.postgres) else { return }
        var limits = PostgresDatabase.Limits()
        limits.maxConnections = 1
        let database = PostgresDatabase(url: test.url, limits: limits, logger: TestDatabase.logger)
        let gate = PostgresDatabase(url: test.url, limits: limits, logger: TestDatabase.logger)
        let gateKey = 4_242
        try await database.transaction { try $0.execute("CREATE TABLE marks (name TEXT PRIMARY KEY)") }
        // A session-level lock: it stays with the gate's only connection between calls.
        try await gate.withConnection { try $0.execute("SELECT pg_advisory_lock(\(gateKey))") }

        let holderFinished = Flag()
        let holderStarted = Flag()
        let holder = Task {
            defer { holderFinished.raise() }
            try await database.transaction {
                holderStarted.raise()
                try $0.execute("SELECT pg_advisory_xact_lock(\(gateKey))")
            }
        }
        while !holderStarted.isRaised { try await Task.sleep(for: .milliseconds(5)) }
        let watchdog = Task {
            try await Task.sleep(for: .seconds(20))
            try await gate.withConnection { try $0.execute("SELECT pg_advisory_unlock(\(gateKey))") }
        }

        let waiter = Task {
            try await database.transaction { try $0.execute("INSERT INTO marks VALUES ('cancelled')") }
        }
        try await Task.sleep(for: .milliseconds(100))  // lets the waiter join the line (either way the test holds)
        waiter.cancel()
        await #expect(throws: CancellationError.self) { _ = try await waiter.value }
        #expect(!holderFinished.isRaised, "the cancelled call waited for the connection")

        watchdog.cancel()
        try await gate.withConnection { try $0.execute("SELECT pg_advisory_unlock(\(gateKey))") }
        _ = try await holder.value

        // The permit is back: the next call runs, and the cancelled insert never did.
        _ = try await database.transaction { try $0.execute("INSERT INTO marks VALUES ('after')") }
        let names = try await database.transaction {
            try $0.query("SELECT name FROM marks ORDER BY name").map { try $0.text("name") }
        }
        #expect(names == ["after"])
        await gate.close()
        await database.close()
        await test.close()
    }
}

private final class Flag: Sendable {
    private let raised = Atomic<Bool>(false)
    func raise() { raised.store(true, ordering: .sequentiallyConsistent) }
    var isRaised: Bool { raised.load(ordering: .sequentiallyConsistent) }
}
