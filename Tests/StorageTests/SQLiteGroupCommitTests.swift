import Dispatch
import Foundation
import Testing

@testable import Storage

/// SQLite's group commit: transactions that wait while the thread is busy commit together, yet each
/// one succeeds or fails alone and its caller hears only after the commit that holds it.
@Suite("SQLite group commit")
struct SQLiteGroupCommitTests {
    private static func open() throws -> (SQLiteDatabase, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "careerai-gc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return (try SQLiteDatabase(path: directory.appendingPathComponent("test.db").path), directory)
    }

    /// Holds SQLite's one thread until `release` is called, so that what is started meanwhile queues.
    private static func hold(_ database: SQLiteDatabase) async throws -> (
        release: @Sendable () -> Void, held: Task<Void, any Error>
    ) {
        let gate = DispatchSemaphore(value: 0)
        let held = Task { try await database.withConnection { _ in gate.wait() } }
        try await Task.sleep(for: .milliseconds(50))
        return ({ gate.signal() }, held)
    }

    @Test("twenty transactions queued behind a busy thread commit once, and each outcome is its own")
    func queuedTransactionsShareOneCommit() async throws {
        let (database, directory) = try Self.open()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try await database.transaction {
            try $0.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT NOT NULL)")
        }
        let (release, held) = try await Self.hold(database)
        let before = database.commits.load(ordering: .relaxed)
        let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<20 {
                group.addTask {
                    do {
                        return try await database.transaction { c -> (Int, Bool) in
                            try c.execute("INSERT INTO t (id, note) VALUES ($1, 'kept')", [.integer(Int64(index))])
                            // Every third one writes and then fails: only its own row goes.
                            if index % 3 == 0 { throw StorageError.failed("refused on purpose") }
                            return (index, true)
                        }
                    } catch StorageError.failed {
                        return (index, false)
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(100))  // all twenty are queued
            release()
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        try await held.value
        #expect(database.commits.load(ordering: .relaxed) - before == 1, "one commit for the twenty")
        #expect(outcomes.count == 20)
        let kept = try await database.transaction {
            try $0.query("SELECT id FROM t ORDER BY id").map { try $0.integer("id") }
        }
        #expect(kept == (0..<20).filter { $0 % 3 != 0 }.map(Int64.init))
        #expect(outcomes.filter(\.value).keys.sorted() == (0..<20).filter { $0 % 3 != 0 })
        await database.close()
    }

    @Test("a later transaction of a batch sees the earlier ones' writes, as if each had committed alone")
    func batchIsSerialInOrder() async throws {
        let (database, directory) = try Self.open()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try await database.transaction {
            try $0.execute("CREATE TABLE counter (n INTEGER NOT NULL CHECK (n >= 0))")
            try $0.execute("INSERT INTO counter (n) VALUES (5)")
        }
        let (release, held) = try await Self.hold(database)
        // Eight decrements of a counter at 5: five succeed, three hit the check and fail alone.
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    do {
                        _ = try await database.transaction { try $0.execute("UPDATE counter SET n = n - 1") }
                        return true
                    } catch StorageError.constraintViolation {
                        return false
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(100))
            release()
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        try await held.value
        #expect(results.filter { $0 }.count == 5)
        let left = try await database.transaction { try $0.query("SELECT n FROM counter")[0].integer("n") }
        #expect(left == 0)
        await database.close()
    }

    @Test("when one transaction ends the whole SQLite transaction, the others of its batch run again and commit")
    func wholeTransactionRolledBack() async throws {
        let (database, directory) = try Self.open()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try await database.transaction { try $0.execute("CREATE TABLE t (id TEXT PRIMARY KEY)") }
        let (release, held) = try await Self.hold(database)
        // The middle one rolls everything back, as SQLite itself does on a full disk or an I/O error.
        let first = Task {
            try await database.transaction { _ = try $0.execute("INSERT INTO t (id) VALUES ('first')") }
        }
        try await Task.sleep(for: .milliseconds(20))
        let breaker = Task {
            try await database.transaction { c in
                try c.execute("ROLLBACK")
                throw StorageError.unavailable("the disk is full")
            }
        }
        try await Task.sleep(for: .milliseconds(20))
        let last = Task { try await database.transaction { _ = try $0.execute("INSERT INTO t (id) VALUES ('last')") } }
        try await Task.sleep(for: .milliseconds(50))
        release()
        try await first.value
        await #expect(throws: StorageError.self) { try await breaker.value }
        try await last.value
        try await held.value
        let ids = try await database.transaction {
            try $0.query("SELECT id FROM t ORDER BY id").map { try $0.text("id") }
        }
        #expect(ids == ["first", "last"])
        await database.close()
    }

    @Test("a caller whose commit fails hears the failure, never a success whose writes are gone")
    func failedCommitFailsTheBatch() async throws {
        let (database, directory) = try Self.open()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A deferred foreign key is checked at COMMIT: the batch's commit fails as a whole.
        _ = try await database.transaction {
            try $0.execute("CREATE TABLE parent (id TEXT PRIMARY KEY)")
            try $0.execute(
                "CREATE TABLE child (id TEXT PRIMARY KEY, parent TEXT REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"
            )
        }
        let (release, held) = try await Self.hold(database)
        let good = Task {
            try await database.transaction { _ = try $0.execute("INSERT INTO parent (id) VALUES ('p')") }
        }
        try await Task.sleep(for: .milliseconds(20))
        let orphan = Task {
            try await database.transaction { _ = try $0.execute("INSERT INTO child (id, parent) VALUES ('c', 'none')") }
        }
        try await Task.sleep(for: .milliseconds(50))
        release()
        await #expect(throws: StorageError.self) { try await good.value }
        await #expect(throws: StorageError.self) { try await orphan.value }
        try await held.value
        let parents = try await database.transaction { try $0.query("SELECT id FROM parent") }
        #expect(parents.isEmpty, "nothing of a failed commit remains")
        await database.close()
    }
}

@Suite("SQLite after close")
struct SQLiteClosedTests {
    @Test("after close every transaction fails with UNAVAILABLE at once, none hangs", .timeLimit(.minutes(1)))
    func closedDatabaseRefuses() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "careerai-gc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try SQLiteDatabase(path: directory.appendingPathComponent("test.db").path)
        _ = try await database.transaction { try $0.execute("CREATE TABLE t (id TEXT)") }
        await database.close()
        for _ in 0..<3 {
            await #expect(throws: StorageError.self) {
                _ = try await database.transaction { try $0.execute("INSERT INTO t (id) VALUES ('x')") }
            }
        }
    }
}
