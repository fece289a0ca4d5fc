/// Why bytes could not become a message, or a message could not become bytes.
public enum WireError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The bytes are not a valid encoding of the message (truncated, garbage, wrong wire types).
    case malformed(message: String)
    /// A string field holds bytes that are not UTF-8.
    case invalidUTF8(message: String, field: String)
    /// A string contains a NUL character, which protobuf-c's C strings cannot carry without loss.
    case stringContainsNUL(message: String, field: String)

    public var description: String {
        switch self {
        case .malformed(let message):
            return "bytes are not a valid \(message)"
        case .invalidUTF8(let message, let field):
            return "\(message).\(field) is not valid UTF-8"
        case .stringContainsNUL(let message, let field):
            return "\(message).\(field) contains a NUL character"
        }
    }

    /// The offending field's proto name, when one is known.
    public var field: String? {
        switch self {
        case .malformed: return nil
        case .invalidUTF8(_, let field), .stringContainsNUL(_, let field): return field
        }
    }
}
