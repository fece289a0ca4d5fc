@_exported import ErrorReasons

/// The one error type of the business rules. Its `kind` says what class of failure it is (and so
/// which status code an adapter gives it); `reason` is the stable UPPER_SNAKE name clients branch on;
/// `message` tells a person what was wrong and what to do; `details` carries the figures.
public struct DomainError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case invalidArgument
        case notFound
        case alreadyExists
        case permissionDenied
        case unauthenticated
        case failedPrecondition
        case resourceExhausted
        case aborted
        case unavailable
        case deadlineExceeded
        case `internal`
    }

    public var kind: Kind
    public var reason: String
    public var message: String
    public var details: [String: String]

    public init(_ kind: Kind, reason: ErrorReason, _ message: String, details: [String: String] = [:]) {
        self.kind = kind
        self.reason = reason.rawValue
        self.message = message
        self.details = details
    }

    public var description: String { "\(reason): \(message)" }

    /// A field of the request outside its bounds; `field` is named in the details.
    public static func invalidField(_ field: String, _ message: String, reason: ErrorReason = .invalidArgument)
        -> DomainError
    {
        DomainError(.invalidArgument, reason: reason, message, details: ["field": field])
    }
}
