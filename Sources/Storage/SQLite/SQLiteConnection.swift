import CSQLite
import Foundation

/// One libsqlite3 connection. Not thread-safe: `SQLiteDatabase` uses it from one thread at a time.
final class SQLiteConnection: SQLConnection {
    private var handle: OpaquePointer?
    /// A new database file is made 0600 by open(2) before SQLite writes to it (SQLite would create
    /// it under the process's umask, often readable by everyone; its -wal and -shm files take the
    /// database file's mode). An existing file, or a special name, is left alone.
    static func createPrivately(_ path: String) {
        guard path != ":memory:", !path.hasPrefix("file:"), !path.isEmpty else { return }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if descriptor >= 0 { close(descriptor) }  // EEXIST and the rest: SQLite's open reports real problems
    }

    /// `SQLITE_TRANSIENT`, which Swift does not import: SQLite copies bound text at once.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    /// Extended result codes are macro expressions Swift does not import (sqlite3.h: `SQLITE_CONSTRAINT | (n<<8)`).
    private static let constraintUnique = SQLITE_CONSTRAINT | (8 << 8)
    private static let constraintPrimaryKey = SQLITE_CONSTRAINT | (6 << 8)

    init(path: String, busyTimeoutMs: Int32) throws(StorageError) {
        Self.createPrivately(path)
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, handle != nil else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(handle)
            handle = nil
            throw .unavailable("cannot open SQLite database \(path): \(message)")
        }
        sqlite3_busy_timeout(handle, busyTimeoutMs)
        // WAL lets readers in other processes work during a write; foreign keys are off by default.
        try execute("PRAGMA journal_mode = WAL")
        try execute("PRAGMA synchronous = NORMAL")
        try execute("PRAGMA foreign_keys = ON")
        // Checkpoint every 4,000 WAL pages (16 MiB) instead of SQLite's 1,000: the pages every write
        // touches (a wallet, index roots, table tails) are copied back once per checkpoint, so fewer
        // checkpoints copy far less. Measured with careerai-bench runs: SQLite starts +10–20 %, p99
        // ≈7 → ≈15 ms (a checkpoint holds the database thread that long, every ~0.5 s under load).
        try execute("PRAGMA wal_autocheckpoint = \(Self.walAutocheckpointPages)")
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    /// Prepared statements by SQL text, reused: preparing costs more than running most of ours.
    /// Bounded: the SQL texts are the program's own, but a caller building SQL per call must not grow it.
    private var statements: [String: OpaquePointer] = [:]
    static let maxCachedStatements = 256
    static let walAutocheckpointPages = 4_000

    private func prepared(_ sql: String) throws(StorageError) -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw error(sqlite3_errcode(handle))
        }
        if statements.count >= Self.maxCachedStatements {
            for old in statements.values { sqlite3_finalize(old) }
            statements.removeAll()
        }
        statements[sql] = statement
        return statement
    }

    /// False outside BEGIN…COMMIT, and after SQLite rolled a transaction back on its own (some
    /// errors, such as a full disk, end the whole transaction, not just the statement).
    var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    @discardableResult
    func query(_ sql: String, _ parameters: [SQLValue]) throws(StorageError) -> [SQLRow] {
        try run(sql, parameters).rows
    }

    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) throws(StorageError) -> Int {
        try run(sql, parameters).changes
    }

    private func run(_ sql: String, _ parameters: [SQLValue]) throws(StorageError) -> (rows: [SQLRow], changes: Int) {
        let statement = try prepared(sql)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        try bind(parameters, to: statement)

        var rows: [SQLRow] = []
        var columns: [String]?
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { break }
            guard status == SQLITE_ROW else { throw error(status) }
            let count = Int(sqlite3_column_count(statement))
            if columns == nil {
                columns = (0..<count).map { String(cString: sqlite3_column_name(statement, Int32($0))) }
            }
            rows.append(SQLRow(columns: columns!, values: (0..<count).map { value(statement, Int32($0)) }))
        }
        return (rows, Int(sqlite3_changes(handle)))
    }

    /// `$1` is a *named* parameter to SQLite: look each one up by name, so `VALUES ($2, $1)` binds right.
    private func bind(_ parameters: [SQLValue], to statement: OpaquePointer) throws(StorageError) {
        for (offset, parameter) in parameters.enumerated() {
            let index = sqlite3_bind_parameter_index(statement, "$\(offset + 1)")
            guard index > 0 else { continue }  // this statement does not use that parameter
            let status: Int32
            switch parameter {
            case .null: status = sqlite3_bind_null(statement, index)
            case .integer(let value): status = sqlite3_bind_int64(statement, index, value)
            case .real(let value): status = sqlite3_bind_double(statement, index, value)
            case .bool(let value): status = sqlite3_bind_int64(statement, index, value ? 1 : 0)
            case .text(let value): status = sqlite3_bind_text(statement, index, value, -1, Self.transient)
            }
            guard status == SQLITE_OK else { throw error(status) }
        }
    }

    private func value(_ statement: OpaquePointer, _ column: Int32) -> SQLValue {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, column))
        case SQLITE_NULL: return .null
        default:
            guard let text = sqlite3_column_text(statement, column) else { return .null }
            return .text(String(cString: text))
        }
    }

    private func error(_ status: Int32) -> StorageError {
        let message = String(cString: sqlite3_errmsg(handle))
        let extended = sqlite3_extended_errcode(handle)
        switch status & 0xFF {
        case SQLITE_CONSTRAINT:
            if extended == Self.constraintUnique || extended == Self.constraintPrimaryKey {
                return .uniqueViolation(constraint: message)
            }
            return .constraintViolation(message)
        case SQLITE_BUSY, SQLITE_LOCKED:
            return .conflict(message)
        case SQLITE_CANTOPEN, SQLITE_IOERR, SQLITE_FULL, SQLITE_READONLY:
            return .unavailable(message)
        default:
            return .failed(message)
        }
    }
}
