import Logging
import RPCCore

/// Turns whatever a handler (or an interceptor) threw into the status the client sees. `RPCError`s
/// pass through; the router's mapper translates the API's own errors (so the transport needs to know
/// no other type); anything else becomes INTERNAL without leaking its text to the client.
enum ErrorMapping {
    static func rpcError(for error: any Error, mapper: RPCRouter.ErrorMapper, logger: Logger) -> RPCError {
        if let mapped = mapper(error) { return mapped }
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
