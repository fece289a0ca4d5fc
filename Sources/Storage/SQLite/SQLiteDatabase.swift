import NIOPosix
import Synchronization

/// SQLite through libsqlite3: the zero-set-up default. One connection on one thread: SQLite has a
/// single writer anyway, and one thread makes every transaction serial without further locking.
///
/// Group commit: the transactions that queued up while the thread was busy run together, each in
/// its own savepoint, and commit once. SQLite writes every page a commit changed to its WAL, so a
/// commit per start wrote the wallet's page, the tables' tail pages and the index pages each time
/// (most of the thread's time was in the kernel, writing them); one commit for a batch writes each of
/// those pages once. Each transaction still succeeds or fails alone — a body that throws is rolled
/// back to its savepoint — and its caller is answered only after the commit that holds it.
public final class SQLiteDatabase: SQLDatabase {
    public let dialect = SQLDialect.sqlite
    /// Most transactions one commit carries: bounds how long the first of them waits for its answer
    /// (every body of the batch runs before the commit).
    static let maxTransactionsPerCommit = 32

    private struct Waiting {
        var transactions: [PendingTransaction] = []
        /// A batch is submitted to the thread, or running; the next enqueue need not submit one.
        var batchScheduled = false
    }

    private let thread: NIOThreadPool
    private let connection: ConnectionBox
    private let waiting = Mutex(Waiting())
    /// Commits so far (the tests see the batching through it).
    let commits = Atomic<Int>(0)

    /// Opens (creating if needed) the database file at `path`.
    public init(path: String, busyTimeoutMs: Int32 = 5_000) throws(StorageError) {
        connection = ConnectionBox(try SQLiteConnection(path: path, busyTimeoutMs: busyTimeoutMs))
        thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T
    {
        let pending = PendingTransaction(body: { try body($0) })
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                let answer: PendingTransaction.Answer = { result in
                    // The body returned a T: the erasure above is the only way in.
                    continuation.resume(with: result.map { $0 as! T })
                }
                if pending.wait(answer: answer) { enqueue(pending) }
            }
        } onCancel: {
            pending.cancel()
        }
    }

    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws
        -> T
    {
        try await thread.runIfActive { [connection] in try body(connection.value) }
    }

    public func close() async {
        try? await thread.shutdownGracefully()
    }

    private func enqueue(_ pending: PendingTransaction) {
        let schedule = waiting.withLock { waiting -> Bool in
            waiting.transactions.append(pending)
            guard !waiting.batchScheduled else { return false }
            waiting.batchScheduled = true
            return true
        }
        if schedule { scheduleBatch() }
    }

    /// One batch per work item, so `withConnection` work queued on the thread meanwhile is not starved
    /// by a steady stream of transactions.
    private func scheduleBatch() {
        thread.submit { [self] state in
            guard state == .active else {
                // Closed: every waiting caller hears so, and the next transaction schedules (and fails) anew.
                let all = waiting.withLock { waiting -> [PendingTransaction] in
                    defer { waiting = Waiting() }
                    return waiting.transactions
                }
                for pending in all { pending.take()?(.failure(StorageError.unavailable("the database is closed"))) }
                return
            }
            let batch = waiting.withLock { waiting -> [PendingTransaction] in
                let batch = Array(waiting.transactions.prefix(Self.maxTransactionsPerCommit))
                waiting.transactions.removeFirst(batch.count)
                return batch
            }
            let taken = batch.compactMap { pending in pending.take().map { (body: pending.body, answer: $0) } }
            commit(taken, on: connection.value)
            let more = waiting.withLock { waiting -> Bool in
                waiting.batchScheduled = !waiting.transactions.isEmpty
                return waiting.batchScheduled
            }
            if more { scheduleBatch() }
        }
    }

    private typealias Taken = (
        body: @Sendable (any SQLConnection) throws -> any Sendable, answer: PendingTransaction.Answer
    )

    /// Runs `batch` in one SQLite transaction (more than one when a failure rolled it all back) and
    /// answers each caller once its outcome is final. A batch of one takes the same path: its
    /// savepoint costs two cached statements, less than a second way to commit would cost to keep right.
    private func commit(_ batch: [Taken], on sqlite: SQLiteConnection) {
        var remaining = batch[...]
        while !remaining.isEmpty {
            do {
                // IMMEDIATE takes the write lock up front, so two processes never deadlock on an upgrade.
                try sqlite.execute("BEGIN IMMEDIATE")
            } catch {
                for transaction in remaining { transaction.answer(.failure(error)) }
                return
            }
            var ran: [(transaction: Taken, value: any Sendable)] = []
            var failed: [(transaction: Taken, error: any Error)] = []
            var rolledBack = false
            while let transaction = remaining.popFirst() {
                do {
                    try sqlite.execute("SAVEPOINT one_transaction")
                    let value = try transaction.body(sqlite)
                    try sqlite.execute("RELEASE one_transaction")
                    ran.append((transaction, value))
                } catch {
                    failed.append((transaction, error))
                    guard sqlite.isInTransaction else {
                        // SQLite rolled the whole transaction back (a full disk, an I/O error): the
                        // bodies that ran before are undone too, so they run again in a new one.
                        rolledBack = true
                        break
                    }
                    _ = try? sqlite.execute("ROLLBACK TO one_transaction")
                    _ = try? sqlite.execute("RELEASE one_transaction")
                }
            }
            if rolledBack {
                remaining = ran.map(\.transaction)[...] + remaining
            } else {
                do {
                    try sqlite.execute("COMMIT")
                    commits.add(1, ordering: .relaxed)
                    for (transaction, value) in ran { transaction.answer(.success(value)) }
                } catch {
                    _ = try? sqlite.execute("ROLLBACK")
                    for (transaction, _) in ran { transaction.answer(.failure(error)) }
                }
            }
            for (transaction, error) in failed { transaction.answer(.failure(error)) }
        }
    }
}

/// Hands the connection to the pool's one thread. @unchecked: only that thread ever touches it.
private final class ConnectionBox: @unchecked Sendable {
    let value: SQLiteConnection
    init(_ value: SQLiteConnection) { self.value = value }
}
