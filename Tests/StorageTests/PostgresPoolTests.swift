import Foundation
import Storage
import Testing
import TestSupport

@Suite("PostgreSQL pool")
struct PostgresPoolTests {
    @Test("a call cancelled while it waits for a connection leaves at once and never runs; the pool keeps its size")
    func cancelledWaiter() async throws {
        guard let test = try await TestDatabase.make(.postgres) else { return }
        var limits = PostgresDatabase.Limits()
        limits.maxConnections = 1
        let database = PostgresDatabase(url: test.url, limits: limits, logger: TestDatabase.logger)
        try await database.transaction { try $0.execute("CREATE TABLE marks (name TEXT PRIMARY KEY)") }

        // The only connection is busy for a second.
        let holder = Task { try await database.transaction { try $0.execute("SELECT pg_sleep(1)") } }
        try await Task.sleep(for: .milliseconds(100))
        let waiter = Task { try await database.transaction { try $0.execute("INSERT INTO marks VALUES ('cancelled')") } }
        try await Task.sleep(for: .milliseconds(100))
        let cancelledAt = ContinuousClock.now
        waiter.cancel()
        await #expect(throws: CancellationError.self) { _ = try await waiter.value }
        #expect(ContinuousClock.now - cancelledAt < .milliseconds(500), "it did not wait for the connection")
        _ = try await holder.value

        // The permit is back: the next call runs, and the cancelled insert never did.
        try await database.transaction { try $0.execute("INSERT INTO marks VALUES ('after')") }
        let names = try await database.transaction { try $0.query("SELECT name FROM marks ORDER BY name").map { try $0.text("name") } }
        #expect(names == ["after"])
        await database.close()
        await test.close()
    }
}
