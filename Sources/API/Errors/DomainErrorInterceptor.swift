import Domain
import RPCCore
import RPCServer

/// Maps the domain's one error type to the wire's status: the kind picks the code; the reason and
/// details become `ErrorInfo`. The outermost interceptor, so that errors of the access check are
/// mapped too.
public struct DomainErrorInterceptor: RPCServerInterceptor {
    public init() {}

    public func intercept(
        _ context: RPCContext, method: AnyMethodDescriptor,
        next: @Sendable (RPCContext) async throws -> [UInt8]
    ) async throws -> [UInt8] {
        do {
            return try await next(context)
        } catch let error as DomainError {
            throw Self.rpcError(error)
        }
    }

    public static func rpcError(_ error: DomainError) -> RPCError {
        RPCError(statusCode(for: error.kind), error.message, wireReason: error.reason, details: error.details)
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
