import Foundation

/// Sign-in: email one-time codes, Google, sessions. Every answer is the same whether or not an email
/// has an account; codes and tokens are stored only as hashes.
public struct AuthService: SessionAuthenticator {
    public static let maxGoogleCodeBytes = 2048
    public static let maxRedirectURIBytes = 2048
    public static let maxStateBytes = 512
    static let signupGrantReason = "signup_grant"

    private let universities: UniversityService
    private let store: any AuthStore
    private let mailer: any Mailer
    private let google: any GoogleIdentityProvider
    private let secret: ServerSecret
    private let settings: AuthSettings
    private let clock: any WallClock
    private let addressLimiter: any AddressRateLimiter
    private let sessions: SessionCache

    public init(
        universities: UniversityService, store: any AuthStore, mailer: any Mailer, google: any GoogleIdentityProvider,
        secret: ServerSecret, settings: AuthSettings, clock: any WallClock = SystemWallClock(),
        addressLimiter: (any AddressRateLimiter)? = nil
    ) {
        self.universities = universities
        self.store = store
        self.mailer = mailer
        self.google = google
        self.secret = secret
        self.settings = settings
        self.clock = clock
        self.addressLimiter =
            addressLimiter ?? InMemoryAddressRateLimiter(maxPerHour: settings.otpMaxPerAddressPerHour)
        self.sessions = SessionCache(ttlMs: Int(settings.sessionCache.wholeMilliseconds))
    }

    // MARK: email one-time codes

    public struct OtpIssued: Sendable, Equatable {
        public var expiresInSeconds: Int64
        public var resendAfterSeconds: Int64
    }

    /// Sends a new code to `email` (replacing any earlier one) when its domain belongs to the tenant
    /// and the limits allow.
    public func requestEmailOtp(email rawEmail: String, tenant: String?, clientAddress: String?) async throws
        -> OtpIssued
    {
        let university = try await universities.resolveTenant(tenant)
        let (email, domain) = try EmailAddress.normalize(rawEmail)
        try Self.requireAllowed(domain: domain, in: university)
        let now = clock.nowUnix
        if let clientAddress, let retryAfter = await addressLimiter.admit(clientAddress, nowUnix: now) {
            throw Self.rateLimited(
                .tooManyCodeRequests, "too many code requests from your address", retryAfter: retryAfter)
        }

        let code = OtpCode.generate()
        let otpID = UUID().uuidString.lowercased()
        let otp = OtpRecord(
            id: otpID, universityID: university.id, email: email,
            codeHash: OtpCode.hash(code, otpID: otpID, university: university.id, email: email, secret: secret),
            attempts: 0, consumed: false, expiresAtUnix: now + settings.otpTTL.wholeSeconds, createdAtUnix: now)
        let settings = self.settings
        let refusal: DomainError? = try await store.transaction { tx in
            try tx.lockOtpRequests(in: university.id, email: email)
            let lastHour = try tx.otps(
                in: university.id, email: email, sinceUnix: now - 3600 + 1, limit: settings.otpMaxPerEmailPerHour)
            if let newest = lastHour.first, now - newest.createdAtUnix < settings.otpResendCooldown.wholeSeconds {
                return Self.rateLimited(
                    .otpResendTooSoon, "a code was sent moments ago; wait before asking for another",
                    retryAfter: settings.otpResendCooldown.wholeSeconds - (now - newest.createdAtUnix))
            }
            if lastHour.count >= settings.otpMaxPerEmailPerHour, let oldest = lastHour.last {
                return Self.rateLimited(
                    .otpHourlyLimit, "at most \(settings.otpMaxPerEmailPerHour) codes an hour for one email",
                    retryAfter: oldest.createdAtUnix + 3600 - now)
            }
            try tx.retireOtps(in: university.id, email: email)
            try tx.insertOtp(otp)
            return nil
        }
        if let refusal { throw refusal }
        try await mailer.sendOtp(
            OtpMail(
                to: email, code: code, universityName: university.name,
                expiresInMinutes: Int(settings.otpTTL.wholeSeconds / 60)))
        return OtpIssued(
            expiresInSeconds: settings.otpTTL.wholeSeconds, resendAfterSeconds: settings.otpResendCooldown.wholeSeconds)
    }

    private enum OtpOutcome: Sendable {
        case signedIn(Session)
        case refused(DomainError)
    }

    /// Checks the code; on success the email is verified, a first sign-in creates the user with the
    /// university's starting credits, and a session is opened.
    public func verifyEmailOtp(email rawEmail: String, code: String, tenant: String?) async throws -> Session {
        let university = try await universities.resolveTenant(tenant)
        let (email, domain) = try EmailAddress.normalize(rawEmail)
        guard OtpCode.isWellFormed(code) else {
            throw DomainError.invalidField(
                "code", "the code is the \(OtpCode.digits) digits from the email", reason: .invalidCodeFormat)
        }
        try Self.requireAllowed(domain: domain, in: university)
        let now = clock.nowUnix
        let token = SessionToken.generate()
        let (secret, settings) = (self.secret, self.settings)

        let outcome: OtpOutcome = try await store.transaction { tx in
            guard
                let otp = try tx.otps(
                    in: university.id, email: email, sinceUnix: now - settings.otpTTL.wholeSeconds - 3600, limit: 1
                ).first,
                !otp.consumed || otp.attempts >= settings.otpMaxAttempts
            else {
                return .refused(Self.noLiveCode)
            }
            if otp.attempts >= settings.otpMaxAttempts { return .refused(Self.tooManyAttempts(settings)) }
            if otp.expiresAtUnix <= now {
                try tx.retireOtps(in: university.id, email: email)
                return .refused(
                    DomainError(.unauthenticated, reason: .otpExpired, "the code has expired; request a new one"))
            }
            guard
                OtpCode.matches(
                    code, storedHash: otp.codeHash, otpID: otp.id, university: university.id, email: email,
                    secret: secret)
            else {
                guard let attempts = try tx.countWrongAttempt(otpID: otp.id, maxAttempts: settings.otpMaxAttempts)
                else {
                    return .refused(Self.noLiveCode)
                }
                if attempts >= settings.otpMaxAttempts {
                    _ = try tx.consumeOtp(otpID: otp.id)
                    return .refused(Self.tooManyAttempts(settings))
                }
                let left = settings.otpMaxAttempts - attempts
                return .refused(
                    DomainError(
                        .unauthenticated, reason: .otpInvalid, "the code is not right; \(left) tries left",
                        details: ["attempts_left": "\(left)"]))
            }
            guard try tx.consumeOtp(otpID: otp.id) else { return .refused(Self.noLiveCode) }
            var user: User
            if let existing = try tx.user(in: university.id, email: email) {
                user = existing
                try Self.markVerified(&user, tx: tx)
            } else {
                user = Self.newUser(university: university, email: email, name: "", googleID: nil, nowUnix: now)
                try tx.createUser(
                    user,
                    grants: LedgerEntry.grants(
                        to: user, silver: university.defaultSilver, gold: university.defaultGold,
                        reason: Self.signupGrantReason))
            }
            return .signedIn(try Self.openSession(token: token, for: user, tx: tx, nowUnix: now, settings: settings))
        }
        switch outcome {
        case .signedIn(let session): return session
        case .refused(let error): throw error
        }
    }

    // MARK: Google

    public struct GoogleAuthorization: Sendable, Equatable {
        public var url: String
        public var state: String
    }

    /// `codeChallenge`: PKCE's S256 challenge (empty: none), from a caller that keeps the verifier.
    public func googleAuthorizationURL(
        redirectURI: String, state: String, codeChallenge: String = "", tenant: String?
    ) async throws -> GoogleAuthorization {
        let university = try await universities.resolveTenant(tenant)
        try Self.validateRedirectURI(redirectURI)
        guard state.utf8.count <= Self.maxStateBytes else {
            throw DomainError.invalidField("state", "at most \(Self.maxStateBytes) bytes")
        }
        try PKCE.validateChallenge(codeChallenge)
        let state = state.isEmpty ? RandomBytes.make(16).hex : state  // 128 bits against login CSRF
        let hostedDomain = university.allowedDomains.count == 1 ? university.allowedDomains[0] : nil
        return GoogleAuthorization(
            url: try google.authorizationURL(
                redirectURI: redirectURI, state: state, hostedDomain: hostedDomain,
                codeChallenge: codeChallenge.isEmpty ? nil : codeChallenge),
            state: state)
    }

    /// Exchanges Google's code, checks the account may join the tenant, and creates or links the user.
    /// `codeVerifier`: PKCE's verifier (empty: the authorization had no challenge).
    public func googleSignIn(code: String, redirectURI: String, codeVerifier: String = "", tenant: String?)
        async throws -> Session
    {
        let university = try await universities.resolveTenant(tenant)
        guard !code.isEmpty, code.utf8.count <= Self.maxGoogleCodeBytes else {
            throw DomainError.invalidField(
                "code", "the authorization code must be 1 to \(Self.maxGoogleCodeBytes) bytes")
        }
        try Self.validateRedirectURI(redirectURI)
        try PKCE.validateVerifier(codeVerifier)
        let identity = try await google.identity(
            code: code, redirectURI: redirectURI, codeVerifier: codeVerifier.isEmpty ? nil : codeVerifier)
        guard identity.emailVerified else {
            throw DomainError(
                .failedPrecondition, reason: .googleEmailNotVerified,
                "Google has not verified this account's email; verify it with Google or sign in with an email code")
        }
        // The address is Google's, not the caller's input: a bad one is not an INVALID_ARGUMENT of theirs.
        guard let (email, domain) = try? EmailAddress.normalize(identity.email) else {
            throw DomainError(
                .failedPrecondition, reason: .googleEmailMissing,
                "Google did not share a usable email address for this account; sign in with an email code")
        }
        if !university.allows(emailDomain: domain) {
            guard let hostedDomain = identity.hostedDomain, university.allows(emailDomain: hostedDomain) else {
                throw Self.domainNotAllowed(domain, in: university)
            }
        }
        let name = String(identity.name.prefix(UniversityRules.maxNameLength))
        let now = clock.nowUnix
        let token = SessionToken.generate()
        let settings = self.settings
        return try await store.transaction { tx in
            var user: User
            if let linked = try tx.user(in: university.id, googleID: identity.subject) {
                user = linked
                try Self.markVerified(&user, tx: tx)
            } else if let existing = try tx.user(in: university.id, email: email) {
                user = existing
                try tx.markVerified(in: university.id, userID: user.id, googleID: identity.subject, name: name)
                user.emailVerified = true
                user.googleID = identity.subject
                if user.name.isEmpty { user.name = name }
            } else {
                user = Self.newUser(
                    university: university, email: email, name: name, googleID: identity.subject, nowUnix: now)
                try tx.createUser(
                    user,
                    grants: LedgerEntry.grants(
                        to: user, silver: university.defaultSilver, gold: university.defaultGold,
                        reason: Self.signupGrantReason))
            }
            return try Self.openSession(token: token, for: user, tx: tx, nowUnix: now, settings: settings)
        }
    }

    // MARK: sessions

    /// The caller behind `authorization: Bearer <token>`; nil when the call carries none.
    public func authenticate(authorization: String?, tenant: String?) async throws -> Principal? {
        guard let authorization, !authorization.isEmpty else { return nil }
        guard let token = SessionToken.fromAuthorization(authorization) else {
            throw DomainError(
                .unauthenticated, reason: .sessionInvalid, "the authorization metadata is not 'Bearer <session token>'")
        }
        let tokenHash = SessionToken.hash(token)
        let found: (session: SessionRecord, user: User, subdomain: String)
        if let cached = sessions.get(tokenHash) {
            found = (cached.session, cached.user, cached.subdomain)
        } else {
            guard let stored = try await store.read({ tx in try tx.session(tokenHash: tokenHash) }),
                stored.session.revokedAtUnix == nil
            else {
                throw DomainError(
                    .unauthenticated, reason: .sessionInvalid,
                    "the session is not valid (signed out or unknown); sign in again")
            }
            found = stored
            sessions.put(tokenHash, session: stored.session, user: stored.user, subdomain: stored.subdomain)
        }
        guard found.session.expiresAtUnix > clock.nowUnix else {
            throw DomainError(.unauthenticated, reason: .sessionExpired, "the session has expired; sign in again")
        }
        if let tenant, !tenant.isEmpty, tenant != found.subdomain {
            throw DomainError(
                .permissionDenied, reason: .tenantMismatch,
                "this session belongs to another university than x-tenant '\(tenant.prefix(63))'")
        }
        return Principal(
            user: found.user, universitySubdomain: found.subdomain, sessionTokenHash: tokenHash,
            sessionExpiresAtUnix: found.session.expiresAtUnix)
    }

    /// Revokes the caller's session; its token is refused from now on.
    public func signOut(_ principal: Principal) async throws {
        let now = clock.nowUnix
        sessions.remove(principal.sessionTokenHash)
        _ = try await store.transaction { tx in
            try tx.revokeSession(tokenHash: principal.sessionTokenHash, nowUnix: now)
        }
        sessions.remove(principal.sessionTokenHash)  // a call racing the revocation may have cached it again
    }

    // MARK: helpers

    private static func openSession(
        token: String, for user: User, tx: any AuthTransaction, nowUnix: Int64,
        settings: AuthSettings
    ) throws -> Session {
        let expiresAt = nowUnix + settings.sessionTTL.wholeSeconds
        try tx.insertSession(
            SessionRecord(
                tokenHash: SessionToken.hash(token), userID: user.id, universityID: user.universityID,
                createdAtUnix: nowUnix, expiresAtUnix: expiresAt))
        return Session(token: token, expiresAtUnix: expiresAt, user: user)
    }

    /// Proving the email (a code, or Google's word) verifies an account that was not yet.
    private static func markVerified(_ user: inout User, tx: any AuthTransaction) throws {
        guard !user.emailVerified else { return }
        try tx.markVerified(in: user.universityID, userID: user.id, googleID: nil, name: nil)
        user.emailVerified = true
    }

    private static func newUser(university: University, email: String, name: String, googleID: String?, nowUnix: Int64)
        -> User
    {
        User(
            id: UUID().uuidString.lowercased(), universityID: university.id, email: email, name: name,
            emailVerified: true,
            googleID: googleID, role: .student, isPro: false, createdAtUnix: nowUnix)
    }

    private static func requireAllowed(domain: String, in university: University) throws {
        guard university.allows(emailDomain: domain) else { throw domainNotAllowed(domain, in: university) }
    }

    private static func domainNotAllowed(_ domain: String, in university: University) -> DomainError {
        DomainError(
            .permissionDenied, reason: .emailDomainNotAllowed,
            "\(university.name) accepts sign-ups from \(university.allowedDomains.joined(separator: ", ")), not \(domain.prefix(80))",
            details: ["field": "email"])
    }

    private static func validateRedirectURI(_ uri: String) throws {
        guard uri.utf8.count <= maxRedirectURIBytes, let url = URLComponents(string: uri),
            url.scheme == "https" || url.scheme == "http", url.host?.isEmpty == false, url.fragment == nil
        else {
            throw DomainError.invalidField(
                "redirect_uri",
                "must be an absolute http(s) URL without a fragment, at most \(maxRedirectURIBytes) bytes")
        }
    }

    static func rateLimited(_ reason: ErrorReason, _ message: String, retryAfter: Int64) -> DomainError {
        let seconds = max(1, retryAfter)
        return DomainError(
            .resourceExhausted, reason: reason, "\(message); try again in \(seconds) s",
            details: ["retry_after_s": "\(seconds)"])
    }

    private static let noLiveCode = DomainError(
        .unauthenticated, reason: .otpExpired,
        "no code is waiting for this email (used, replaced or expired); request a new one")

    private static func tooManyAttempts(_ settings: AuthSettings) -> DomainError {
        DomainError(
            .resourceExhausted, reason: .otpTooManyAttempts,
            "\(settings.otpMaxAttempts) wrong tries: the code no longer works; request a new one",
            details: ["attempts_left": "0"])
    }
}
