import Domain
import Logging
import RPCCore

/// Turns whatever a handler threw into the status the client sees. Domain errors keep their reason
/// and details; anything unexpected becomes INTERNAL without leaking its text to the client.
enum ErrorMapping {
    static func rpcError(for error: any Error, logger: Logger) -> RPCError {
        switch error {
        case let error as RPCError:
            return error
        case let error as DomainError:
            return RPCError(statusCode(for: error.kind), error.message, reason: error.reason, details: error.details)
        case is CancellationError:
            return RPCError(.cancelled, "the call was cancelled", reason: "CANCELLED")
        default:
            logger.error("unexpected handler error", metadata: ["error": "\(String(reflecting: error))"])
            return RPCError(.internal, "internal error; the server logged it", reason: "INTERNAL")
        }
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
