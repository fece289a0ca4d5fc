/// Who may call a method. Each RPC method declares one; a single guard enforces it.
public enum AccessLevel: Sendable, Equatable, CustomStringConvertible {
    /// Anyone; the bearer token is not looked at.
    case `public`
    /// Any valid session of the call's tenant.
    case signedIn
    /// A signed-in user whose email is verified (required to spend credits).
    case verified
    /// An admin of the user's own university, or a platform admin.
    case universityAdmin
    /// A platform admin.
    case platformAdmin

    public var description: String {
        switch self {
        case .public: return "public"
        case .signedIn: return "signed-in"
        case .verified: return "verified"
        case .universityAdmin: return "university admin"
        case .platformAdmin: return "platform admin"
        }
    }

    /// Throws the error a caller with this principal gets; returns when the caller may go on.
    public func check(_ principal: Principal?) throws {
        guard self != .public else { return }
        guard let principal else {
            throw DomainError(
                .unauthenticated, reason: .signInRequired,
                "this call needs a session: sign in and send 'authorization: Bearer <token>'")
        }
        switch self {
        case .public, .signedIn:
            return
        case .verified:
            guard principal.user.emailVerified else {
                throw DomainError(
                    .failedPrecondition, reason: .emailNotVerified,
                    "verify your email first: sign in with a one-time code sent to it")
            }
        case .universityAdmin:
            guard principal.user.role == .universityAdmin || principal.user.role == .platformAdmin else {
                throw DomainError(
                    .permissionDenied, reason: .universityAdminRequired, "only university admins may do this")
            }
        case .platformAdmin:
            guard principal.user.role == .platformAdmin else {
                throw DomainError(.permissionDenied, reason: .platformAdminRequired, "only platform admins may do this")
            }
        }
    }
}

/// Turns a call's `authorization` and `x-tenant` metadata into its principal. The RPC layer calls it
/// once per call, before the handler; `AuthService` is the implementation.
public protocol SessionAuthenticator: Sendable {
    func authenticate(authorization: String?, tenant: String?) async throws -> Principal?
}
