import Logging
import RPCCore

/// Turns whatever a handler (or an interceptor) threw into the status the client sees. `RPCError`s
/// pass through; anything unexpected becomes INTERNAL without leaking its text to the client. The API
/// maps its own errors to `RPCError` in an interceptor, so the transport needs to know no other type.
enum ErrorMapping {
    static func rpcError(for error: any Error, logger: Logger) -> RPCError {
        switch error {
        case let error as RPCError:
            return error
        case is CancellationError:
            return RPCError(.cancelled, "the call was cancelled", reason: .cancelled)
        default:
            logger.error("unexpected handler error", metadata: ["error": "\(String(reflecting: error))"])
            return RPCError(.internal, "internal error; the server logged it", reason: .internal)
        }
    }
}
