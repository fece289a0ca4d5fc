import Domain

/// What went wrong below the repositories. `domainError` is how it reaches a caller.
public enum StorageError: Error, Equatable, CustomStringConvertible {
    /// The database cannot be reached, or the connection broke; retrying later may work.
    case unavailable(String)
    /// A unique constraint was violated (`constraint` names it when the engine says).
    case uniqueViolation(constraint: String)
    /// A check or foreign-key constraint was violated.
    case constraintViolation(String)
    /// Serialization failure or deadlock, still failing after the bounded retries.
    case conflict(String)
    /// The statement ran longer than the statement timeout.
    case timeout(String)
    /// A column held something other than what the repository expected.
    case unexpectedValue(column: String, value: String)
    /// Any other error from the engine.
    case failed(String)

    public var description: String {
        switch self {
        case .unavailable(let why): return "database unavailable: \(why)"
        case .uniqueViolation(let constraint): return "unique constraint violated: \(constraint)"
        case .constraintViolation(let why): return "constraint violated: \(why)"
        case .conflict(let why): return "transaction conflict: \(why)"
        case .timeout(let why): return "statement timeout: \(why)"
        case .unexpectedValue(let column, let value): return "unexpected value \(value) in column \(column)"
        case .failed(let why): return "database error: \(why)"
        }
    }

    /// The domain's view: callers see UNAVAILABLE for outages, ABORTED for conflicts, INTERNAL otherwise.
    public var domainError: DomainError {
        switch self {
        case .unavailable:
            return DomainError(.unavailable, reason: .databaseUnavailable, "the database is unavailable; retry shortly")
        case .conflict:
            return DomainError(.aborted, reason: .transactionConflict, "a concurrent change conflicted; retry")
        case .timeout:
            return DomainError(.deadlineExceeded, reason: .databaseTimeout, "the database took too long")
        case .uniqueViolation, .constraintViolation, .unexpectedValue, .failed:
            return DomainError(.internal, reason: .databaseError, "a database error occurred; the server logged it")
        }
    }
}
