/// A connection inside a transaction. Calls are synchronous: transactions run on a thread pool and
/// never suspend while they hold a connection.
public protocol SQLConnection {
    /// Runs a statement with `$1`, `$2`… parameters and returns its rows.
    @discardableResult
    func query(_ sql: String, _ parameters: [SQLValue]) throws(StorageError) -> [SQLRow]
    /// Runs a statement and returns the number of rows it changed.
    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) throws(StorageError) -> Int
}

extension SQLConnection {
    @discardableResult
    public func query(_ sql: String) throws(StorageError) -> [SQLRow] { try query(sql, []) }
    @discardableResult
    public func execute(_ sql: String) throws(StorageError) -> Int { try execute(sql, []) }
}

public enum SQLDialect: String, Sendable {
    case sqlite
    case postgres
}

/// The database port of the storage adapters: SQLite or PostgreSQL behind one API.
public protocol SQLDatabase: Sendable {
    var dialect: SQLDialect { get }

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws. Serialization
    /// failures and deadlocks are retried a bounded number of times, so `body` must be repeatable.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T

    /// Runs `body` outside a transaction (e.g. statements PostgreSQL refuses inside one).
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T

    func close() async
}

extension SQLDatabase {
    /// A transaction whose storage failures reach the caller as domain errors (UNAVAILABLE, ABORTED…),
    /// which is what repositories hand to services.
    func domainTransaction<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        do {
            return try await transaction(body)
        } catch let error as StorageError {
            throw error.domainError
        }
    }
}

extension SQLDatabase {
    /// A domain transaction that runs its body again after a unique violation: two first inserts of
    /// the same key at once (a first sign-in, an idempotent retry) — the loser's second run finds the
    /// winner's row. Bounded: after `retries` the violation is the caller's.
    func domainTransactionRetryingUniqueViolations<T: Sendable>(
        retries: Int = 2, _ body: @escaping @Sendable (any SQLConnection) throws -> T
    ) async throws -> T {
        var retriesLeft = retries
        while true {
            do {
                return try await transaction(body)
            } catch StorageError.uniqueViolation where retriesLeft > 0 {
                retriesLeft -= 1
            } catch let error as StorageError {
                throw error.domainError
            }
        }
    }
}
