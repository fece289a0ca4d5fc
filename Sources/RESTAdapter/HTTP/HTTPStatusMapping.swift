import HTTPTypes
import RPCCore

/// gRPC status → HTTP status, as grpc-gateway maps them, with one exception of this API:
/// `INSUFFICIENT_CREDITS` is 402 Payment Required, since waiting does not help and no client should
/// retry it as it would a 429.
enum HTTPStatusMapping {
    static func httpStatus(for error: RPCError) -> HTTPResponse.Status {
        if error.has(.insufficientCredits) { return HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required") }
        switch error.code {
        case .ok: return .ok
        case .invalidArgument, .failedPrecondition, .outOfRange: return .badRequest
        case .unauthenticated: return .unauthorized
        case .permissionDenied: return .forbidden
        case .notFound: return .notFound
        case .alreadyExists, .aborted: return .conflict
        case .resourceExhausted: return .tooManyRequests
        case .cancelled: return HTTPResponse.Status(code: 499, reasonPhrase: "Client Closed Request")
        case .unknown, .internal, .dataLoss: return .internalServerError
        case .unimplemented: return .notImplemented
        case .unavailable: return .serviceUnavailable
        case .deadlineExceeded: return .gatewayTimeout
        }
    }
}
