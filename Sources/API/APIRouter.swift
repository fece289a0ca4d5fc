import Domain
import RPCServer

/// The router of the API: the interceptors every call passes through, in order, and whatever
/// services the caller registers on it.
public enum APIRouter {
    /// Domain errors are mapped outermost, so that a refused session is mapped like a handler's error;
    /// then the access check, from the method's declared level.
    public static func make(authenticator: any SessionAuthenticator = NoSessions()) -> RPCRouter {
        RPCRouter(interceptors: [DomainErrorInterceptor(), AccessInterceptor(authenticator: authenticator)])
    }
}
