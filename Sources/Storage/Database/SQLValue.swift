/// A value bound to a statement parameter or read from a result column. The same set on both engines:
/// booleans are stored as integers on SQLite and as `boolean` on PostgreSQL, times as unix seconds.
public enum SQLValue: Sendable, Equatable, CustomStringConvertible {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case bool(Bool)

    public var description: String {
        switch self {
        case .null: return "NULL"
        case .integer(let value): return String(value)
        case .real(let value): return String(value)
        case .text(let value): return "'\(value)'"
        case .bool(let value): return value ? "TRUE" : "FALSE"
        }
    }
}

/// One result row, read by column name.
public struct SQLRow: Sendable {
    public let columns: [String]
    public let values: [SQLValue]

    public init(columns: [String], values: [SQLValue]) {
        precondition(columns.count == values.count, "a row needs one value per column")
        self.columns = columns
        self.values = values
    }

    public subscript(_ column: String) -> SQLValue {
        guard let index = columns.firstIndex(of: column) else { return .null }
        return values[index]
    }

    public func integer(_ column: String) throws(StorageError) -> Int64 {
        switch self[column] {
        case .integer(let value): return value
        case .text(let text): if let value = Int64(text) { return value }
        case .bool(let value): return value ? 1 : 0
        default: break
        }
        throw .unexpectedValue(column: column, value: self[column].description)
    }

    public func text(_ column: String) throws(StorageError) -> String {
        switch self[column] {
        case .text(let value): return value
        case .integer(let value): return String(value)
        default: throw .unexpectedValue(column: column, value: self[column].description)
        }
    }

    public func optionalText(_ column: String) throws(StorageError) -> String? {
        if case .null = self[column] { return nil }
        return try text(column)
    }

    /// Accepts SQLite's 0/1 and PostgreSQL's `t`/`f`.
    public func bool(_ column: String) throws(StorageError) -> Bool {
        switch self[column] {
        case .bool(let value): return value
        case .integer(let value): return value != 0
        case .text("t"), .text("true"), .text("1"): return true
        case .text("f"), .text("false"), .text("0"): return false
        default: throw .unexpectedValue(column: column, value: self[column].description)
        }
    }
}
