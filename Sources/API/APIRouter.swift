import Domain
import RPCServer

/// The router of the API: the access check every non-public call passes through, the mapping of
/// domain errors to statuses, and whatever services the caller registers on it.
public enum APIRouter {
    public static func make(authenticator: any SessionAuthenticator = NoSessions()) -> RPCRouter {
        RPCRouter(
            interceptors: [AccessInterceptor(authenticator: authenticator)], errorMapper: DomainErrorMapping.rpcError)
    }
}
