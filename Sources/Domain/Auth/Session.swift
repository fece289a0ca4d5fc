/// What a successful sign-in gives: a bearer token (shown once, stored only as its hash) and the user.
public struct Session: Sendable, Equatable {
    public var token: String
    public var expiresAtUnix: Int64
    public var user: User

    public init(token: String, expiresAtUnix: Int64, user: User) {
        self.token = token
        self.expiresAtUnix = expiresAtUnix
        self.user = user
    }
}

/// The signed-in caller of one request, resolved from its bearer token before the handler runs.
public struct Principal: Sendable, Equatable {
    public var user: User
    /// The subdomain of the user's university (a token is valid only for its own tenant).
    public var universitySubdomain: String
    public var sessionTokenHash: String
    public var sessionExpiresAtUnix: Int64

    public init(user: User, universitySubdomain: String, sessionTokenHash: String, sessionExpiresAtUnix: Int64) {
        self.user = user
        self.universitySubdomain = universitySubdomain
        self.sessionTokenHash = sessionTokenHash
        self.sessionExpiresAtUnix = sessionExpiresAtUnix
    }
}
