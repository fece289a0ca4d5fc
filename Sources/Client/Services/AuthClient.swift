import Contract
import Wire

/// Typed calls of `careerai.v1.AuthService`. The tenant comes from the client's `x-tenant`; signed-in
/// calls need `authorization: Bearer <token>` in the client's default metadata (see `signedIn(token:)`).
public struct AuthClient: Sendable {
    let client: CareerAIClient

    public func requestEmailOtp(email: String, timeoutMs: UInt32? = nil) async throws(RPCError)
        -> RequestEmailOtpResponse
    {
        try await client.unary(
            Methods.AuthService.requestEmailOtp, RequestEmailOtpRequest(email: email), timeoutMs: timeoutMs)
    }

    public func verifyEmailOtp(email: String, code: String, timeoutMs: UInt32? = nil) async throws(RPCError)
        -> SessionMessage
    {
        try await client.unary(
            Methods.AuthService.verifyEmailOtp, VerifyEmailOtpRequest(email: email, code: code),
            timeoutMs: timeoutMs)
    }

    /// `codeChallenge`: PKCE's S256 challenge of a verifier the caller keeps for `googleSignIn`.
    public func googleAuthURL(
        redirectURI: String, state: String = "", codeChallenge: String = "", timeoutMs: UInt32? = nil
    ) async throws(RPCError) -> GoogleAuthUrlResponse {
        try await client.unary(
            Methods.AuthService.googleAuthUrl,
            GoogleAuthUrlRequest(redirectURI: redirectURI, state: state, codeChallenge: codeChallenge),
            timeoutMs: timeoutMs)
    }

    public func googleSignIn(
        code: String, redirectURI: String, codeVerifier: String = "", timeoutMs: UInt32? = nil
    ) async throws(RPCError) -> SessionMessage {
        try await client.unary(
            Methods.AuthService.googleSignIn,
            GoogleSignInRequest(code: code, redirectURI: redirectURI, codeVerifier: codeVerifier),
            timeoutMs: timeoutMs)
    }

    public func me(timeoutMs: UInt32? = nil) async throws(RPCError) -> UserMessage {
        try await client.unary(Methods.AuthService.getMe, GetMeRequest(), timeoutMs: timeoutMs)
    }

    public func signOut(timeoutMs: UInt32? = nil) async throws(RPCError) {
        let _: SignOutResponse = try await client.unary(
            Methods.AuthService.signOut, SignOutRequest(), timeoutMs: timeoutMs)
    }
}

extension CareerAIClient {
    public var auth: AuthClient { AuthClient(client: self) }
}

extension ClientConfiguration {
    /// This configuration with every call carrying the session token.
    public func signedIn(token: String) -> ClientConfiguration {
        var configuration = self
        configuration.defaultMetadata[MetadataKey.authorization] = "Bearer \(token)"
        return configuration
    }
}
