import CLibPQ
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One libpq connection, parameters and results in text format. Not thread-safe: the pool lends it
/// to one transaction at a time.
final class PostgresConnection: SQLConnection {
    /// Statements with parameters are prepared once per connection and then only bound and executed:
    /// parsing, analysing and planning the start and claim statements took a third of PostgreSQL's
    /// CPU under load (perf, StartJobPack on a 2-core VM). Beyond this many distinct texts (a
    /// statement built with a varying IN list), statements run unprepared.
    static let maxPreparedStatements = 256

    private let handle: OpaquePointer
    /// SQL text → the name it was prepared under on this connection.
    private var prepared: [String: String] = [:]

    /// - Parameter url: a `postgres://` URL; its query parameters (e.g. `sslmode=require`) reach libpq.
    init(url: String, statementTimeoutMs: Int) throws(StorageError) {
        guard let handle = PQconnectdb(url) else { throw .unavailable("libpq could not allocate a connection") }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = Self.message(PQerrorMessage(handle))
            PQfinish(handle)
            throw .unavailable(message)
        }
        self.handle = handle
        // libpq prints the server's notices (a warning such as "terminating connection due to immediate
        // shutdown") to stderr, raw, past the log's format and escaping; what matters reaches us as
        // an error result of the call it affects.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        try execute("SET statement_timeout = \(statementTimeoutMs)")
        try execute("SET client_min_messages = warning")
    }

    deinit {
        PQfinish(handle)
    }

    /// False once the server went away; the pool then drops the connection.
    var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }

    @discardableResult
    func query(_ sql: String, _ parameters: [SQLValue]) throws(StorageError) -> [SQLRow] {
        let result = try run(sql, parameters)
        defer { PQclear(result) }
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        guard rowCount > 0 else { return [] }
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        let types = (0..<columnCount).map { PQftype(result, Int32($0)) }
        var rows: [SQLRow] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<Int32(rowCount) {
            var values: [SQLValue] = []
            values.reserveCapacity(columnCount)
            for column in 0..<Int32(columnCount) {
                if PQgetisnull(result, row, column) == 1 {
                    values.append(.null)
                    continue
                }
                let text = String(cString: PQgetvalue(result, row, column))
                values.append(Self.value(text, type: types[Int(column)]))
            }
            rows.append(SQLRow(columns: columns, values: values))
        }
        return rows
    }

    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) throws(StorageError) -> Int {
        let result = try run(sql, parameters)
        defer { PQclear(result) }
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    private func run(_ sql: String, _ parameters: [SQLValue]) throws(StorageError) -> OpaquePointer {
        // Text-format parameters, each a C string that lives until PQexecParams returns.
        let texts: [UnsafeMutablePointer<CChar>?] = parameters.map { parameter in
            switch parameter {
            case .null: return nil
            case .integer(let value): return strdup(String(value))
            case .real(let value): return strdup(String(value))
            case .bool(let value): return strdup(value ? "true" : "false")
            case .text(let value): return strdup(value)
            }
        }
        defer { texts.forEach { free($0) } }
        let name = parameters.isEmpty ? nil : try preparedName(sql, parameterCount: Int32(parameters.count))
        let result = texts.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: max(texts.count, 1)) {
                values in
                if let name {
                    PQexecPrepared(handle, name, Int32(parameters.count), values, nil, nil, 0)
                } else {
                    PQexecParams(handle, sql, Int32(parameters.count), nil, texts.isEmpty ? nil : values, nil, nil, 0)
                }
            }
        }
        guard let result else { throw .unavailable(Self.message(PQerrorMessage(handle))) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
            return result
        default:
            let error = classify(result)
            PQclear(result)
            throw error
        }
    }

    /// The name `sql` is prepared under, preparing it on first use; nil past the cache's bound.
    private func preparedName(_ sql: String, parameterCount: Int32) throws(StorageError) -> String? {
        if let name = prepared[sql] { return name }
        guard prepared.count < Self.maxPreparedStatements else { return nil }
        let name = "careerai_\(prepared.count)"
        guard let result = PQprepare(handle, name, sql, parameterCount, nil) else {
            throw .unavailable(Self.message(PQerrorMessage(handle)))
        }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else { throw classify(result) }
        prepared[sql] = name
        return name
    }

    private func classify(_ result: OpaquePointer) -> StorageError {
        let field = { (code: Int32) -> String? in
            guard let value = PQresultErrorField(result, code) else { return nil }
            return String(cString: value)
        }
        let sqlState = field(Int32(UInt8(ascii: "C"))) ?? ""  // PG_DIAG_SQLSTATE
        let message = field(Int32(UInt8(ascii: "M"))) ?? Self.message(PQerrorMessage(handle))  // PG_DIAG_MESSAGE_PRIMARY
        if !isHealthy || sqlState.hasPrefix("08") || sqlState == "57P01" || sqlState == "57P02" || sqlState == "57P03" {
            return .unavailable(message)
        }
        switch sqlState {
        case "23505": return .uniqueViolation(constraint: field(Int32(UInt8(ascii: "n"))) ?? message)  // PG_DIAG_CONSTRAINT_NAME
        case "40001", "40P01": return .conflict(message)
        case "57014": return .timeout(message)
        default:
            if sqlState.hasPrefix("23") { return .constraintViolation(message) }
            return .failed(sqlState.isEmpty ? message : "\(sqlState): \(message)")
        }
    }

    private static func value(_ text: String, type: Oid) -> SQLValue {
        switch type {
        case 20, 21, 23: return Int64(text).map(SQLValue.integer) ?? .text(text)  // int8, int2, int4
        case 16: return .bool(text == "t")  // bool
        case 700, 701: return Double(text).map(SQLValue.real) ?? .text(text)  // float4, float8
        default: return .text(text)
        }
    }

    private static func message(_ pointer: UnsafePointer<CChar>?) -> String {
        guard let pointer else { return "unknown libpq error" }
        // libpq's messages span lines ("...failed: Connection refused\n\tIs the server running..."): one line here.
        return String(cString: pointer).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: "; ")
    }
}
