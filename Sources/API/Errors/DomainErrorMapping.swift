import Domain
import RPCCore

/// Maps the domain's one error type to the wire's status: the kind picks the code; the reason and
/// details become `ErrorInfo`. The router consults it whenever a call fails (in the access check or
/// in a handler).
public enum DomainErrorMapping {
    public static func rpcError(_ error: any Error) -> RPCError? {
        guard let error = error as? DomainError else { return nil }
        return RPCError(statusCode(for: error.kind), error.message, wireReason: error.reason, details: error.details)
    }

    static func statusCode(for kind: DomainError.Kind) -> StatusCode {
        switch kind {
        case .invalidArgument: return .invalidArgument
        case .notFound: return .notFound
        case .alreadyExists: return .alreadyExists
        case .permissionDenied: return .permissionDenied
        case .unauthenticated: return .unauthenticated
        case .failedPrecondition: return .failedPrecondition
        case .resourceExhausted: return .resourceExhausted
        case .aborted: return .aborted
        case .unavailable: return .unavailable
        case .deadlineExceeded: return .deadlineExceeded
        case .internal: return .internal
        }
    }
}
