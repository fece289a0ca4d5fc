import Logging
import NIOPosix
import Synchronization

/// PostgreSQL through libpq: a bounded pool of connections, each transaction run on a thread of a
/// thread pool (libpq blocks; event loops must not). A dropped connection is replaced on next use;
/// serialization failures and deadlocks are retried a bounded number of times.
public final class PostgresDatabase: SQLDatabase {
    public struct Limits: Sendable {
        /// Connections (and threads) at most; also what one server asks of PostgreSQL's max_connections.
        public var maxConnections = 8
        public var statementTimeout = Duration.seconds(10)
        /// Attempts of a transaction that fails with a serialization failure or deadlock.
        public var maxTransactionAttempts = 4
        public init() {}
    }

    public let dialect = SQLDialect.postgres
    private let url: String
    private let limits: Limits
    private let logger: Logger
    private let threads: NIOThreadPool
    private let pool: Mutex<Pool>

    private struct Pool {
        var idle: [PooledConnection] = []
        var permits: Int
        /// Calls waiting for a connection, oldest first, by a number that lets a cancelled one leave.
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextWaiterID: UInt64 = 0
    }

    public init(url: String, limits: Limits = Limits(), logger: Logger) {
        precondition(limits.maxConnections > 0 && limits.maxTransactionAttempts > 0)
        self.url = Self.withConnectTimeout(url)
        self.limits = limits
        self.logger = logger
        pool = Mutex(Pool(permits: limits.maxConnections))
        threads = NIOThreadPool(numberOfThreads: limits.maxConnections)
        threads.start()
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T
    {
        try await borrow { [limits, logger] connection in
            var attempt = 1
            while true {
                do {
                    do {
                        try connection.execute("BEGIN")
                    } catch StorageError.unavailable(let why) {
                        // Nothing ran yet: the borrower may safely retry on a fresh connection.
                        throw StaleConnection(why: why)
                    }
                    let result = try body(connection)
                    try connection.execute("COMMIT")
                    return result
                } catch {
                    if connection.isHealthy { _ = try? connection.execute("ROLLBACK") }
                    guard case StorageError.conflict = error, attempt < limits.maxTransactionAttempts else {
                        throw error
                    }
                    logger.debug("retrying transaction after a conflict", metadata: ["attempt": "\(attempt)"])
                    // Back off a little, more each time, so that the conflicting transactions spread out.
                    usleep(UInt32.random(in: 0...1_000) * UInt32(attempt))
                    attempt += 1
                }
            }
        }
    }

    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws
        -> T
    {
        try await borrow { connection in try body(connection) }
    }

    public func close() async {
        pool.withLock { $0.idle.removeAll() }  // each connection's deinit closes it (PQfinish)
        try? await threads.shutdownGracefully()
    }

    /// Lends a healthy connection to `body` on a pool thread, connecting first when none is idle.
    /// A pooled connection can be dead without knowing it (the server restarted); when `body` reports
    /// that before doing anything (`StaleConnection`), it runs once more on a fresh connection.
    private func borrow<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await acquirePermit()
        defer { releasePermit() }
        let pooled = pool.withLock { $0.idle.popLast() }
        return try await threads.runIfActive { [self] in
            if let pooled, pooled.connection.isHealthy {
                do {
                    return try lend(pooled.connection, to: body)
                } catch let stale as StaleConnection {
                    logger.debug("pooled connection was dead; reconnecting", metadata: ["why": "\(stale.why)"])
                }
            }
            let fresh = try PostgresConnection(
                url: url, statementTimeoutMs: Int(limits.statementTimeout.wholeMilliseconds))
            do {
                return try lend(fresh, to: body)
            } catch let stale as StaleConnection {
                throw StorageError.unavailable(stale.why)
            }
        }
    }

    /// Runs `body`, then returns the connection to the pool if it is still good.
    private func lend<T>(_ connection: PostgresConnection, to body: (PostgresConnection) throws -> T) throws -> T {
        defer {
            // A broken connection is dropped here; the next borrower connects afresh.
            if connection.isHealthy { pool.withLock { $0.idle.append(PooledConnection(connection)) } }
        }
        return try body(connection)
    }

    /// Waits for one of the pool's connections. A call cancelled while it waits (deadline, CANCEL,
    /// client gone) leaves the line at once with CancellationError, and never runs.
    private func acquirePermit() async throws {
        let id = pool.withLock { pool -> UInt64 in
            pool.nextWaiterID += 1
            return pool.nextWaiterID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Decision { case granted, wait, cancelled }
                let decision = pool.withLock { pool -> Decision in
                    if pool.permits > 0 {
                        pool.permits -= 1
                        return .granted
                    }
                    if Task.isCancelled { return .cancelled }
                    pool.waiters.append((id, continuation))
                    return .wait
                }
                switch decision {
                case .granted: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .wait: break
                }
            }
        } onCancel: {
            let waiter = pool.withLock { pool -> CheckedContinuation<Void, any Error>? in
                guard let index = pool.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return pool.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    private func releasePermit() {
        let waiter = pool.withLock { pool -> CheckedContinuation<Void, any Error>? in
            if pool.waiters.isEmpty {
                pool.permits += 1
                return nil
            }
            return pool.waiters.removeFirst().continuation  // the permit passes straight to the next in line
        }
        waiter?.resume()
    }

    /// A URL without a connect timeout would let a black-holed host hang a call for minutes.
    static func withConnectTimeout(_ url: String) -> String {
        guard !url.contains("connect_timeout=") else { return url }
        return url + (url.contains("?") ? "&" : "?") + "connect_timeout=5"
    }
}

/// A transaction found its connection dead before running anything.
private struct StaleConnection: Error {
    let why: String
}

/// A connection resting in the pool. @unchecked: it is used by one thread at a time, handed over
/// under the pool's lock.
private final class PooledConnection: @unchecked Sendable {
    let connection: PostgresConnection
    init(_ connection: PostgresConnection) { self.connection = connection }
}
