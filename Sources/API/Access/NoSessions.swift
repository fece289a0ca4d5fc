import Domain

/// The authenticator of a server without sign-in (tests of the RPC layer alone): nobody is signed in,
/// and a bearer token is refused rather than ignored.
public struct NoSessions: SessionAuthenticator {
    public init() {}

    public func authenticate(authorization: String?, tenant: String?) async throws -> Principal? {
        guard authorization == nil else {
            throw DomainError(.unauthenticated, reason: .sessionInvalid, "this server has no sessions")
        }
        return nil
    }
}
