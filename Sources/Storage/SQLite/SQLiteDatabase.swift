import NIOPosix

/// SQLite through libsqlite3: the zero-set-up default. One connection on one thread: SQLite has a
/// single writer anyway, and one thread makes every transaction serial without further locking.
public final class SQLiteDatabase: SQLDatabase {
    public let dialect = SQLDialect.sqlite
    private let thread: NIOThreadPool
    private let connection: ConnectionBox

    /// Opens (creating if needed) the database file at `path`.
    public init(path: String, busyTimeoutMs: Int32 = 5_000) throws(StorageError) {
        connection = ConnectionBox(try SQLiteConnection(path: path, busyTimeoutMs: busyTimeoutMs))
        thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T
    {
        try await thread.runIfActive { [connection] in
            let sqlite = connection.value
            // IMMEDIATE takes the write lock up front, so two processes never deadlock on an upgrade.
            try sqlite.execute("BEGIN IMMEDIATE")
            do {
                let result = try body(sqlite)
                try sqlite.execute("COMMIT")
                return result
            } catch {
                _ = try? sqlite.execute("ROLLBACK")
                throw error
            }
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
}

/// Hands the connection to the pool's one thread. @unchecked: only that thread ever touches it.
private final class ConnectionBox: @unchecked Sendable {
    let value: SQLiteConnection
    init(_ value: SQLiteConnection) { self.value = value }
}
