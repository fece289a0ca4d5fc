/// The claims of a Google ID token whose signature, issuer, audience and expiry were checked.
public struct GoogleIdentity: Sendable, Equatable {
    /// `sub`: Google's stable account id.
    public var subject: String
    public var email: String
    public var emailVerified: Bool
    /// `hd`: the Google Workspace domain, when the account has one.
    public var hostedDomain: String?
    public var name: String

    public init(subject: String, email: String, emailVerified: Bool, hostedDomain: String?, name: String) {
        self.subject = subject
        self.email = email
        self.emailVerified = emailVerified
        self.hostedDomain = hostedDomain
        self.name = name
    }
}

/// Google sign-in (OpenID Connect, authorization code flow).
public protocol GoogleIdentityProvider: Sendable {
    /// Where to send the user's browser. `codeChallenge`: PKCE's S256 challenge, when the caller keeps a verifier.
    func authorizationURL(redirectURI: String, state: String, hostedDomain: String?, codeChallenge: String?) throws
        -> String
    /// Exchanges the code at the token endpoint (with PKCE's `codeVerifier` when the authorization
    /// had a challenge) and verifies the ID token it returns. Throws `DomainError`: `.unauthenticated`
    /// for a refused code or an invalid token, `.unavailable` when Google cannot be reached,
    /// `.failedPrecondition` when Google sign-in is not configured.
    func identity(code: String, redirectURI: String, codeVerifier: String?) async throws -> GoogleIdentity
}

/// The provider when GOOGLE_CLIENT_ID is not set.
public struct UnconfiguredGoogleIdentityProvider: GoogleIdentityProvider {
    public init() {}

    static let error = DomainError(
        .failedPrecondition, reason: .googleSignInNotConfigured,
        "Google sign-in is not configured on this server (GOOGLE_CLIENT_ID); sign in with an email code")

    public func authorizationURL(redirectURI: String, state: String, hostedDomain: String?, codeChallenge: String?)
        throws -> String
    {
        throw Self.error
    }
    public func identity(code: String, redirectURI: String, codeVerifier: String?) async throws -> GoogleIdentity {
        throw Self.error
    }
}
