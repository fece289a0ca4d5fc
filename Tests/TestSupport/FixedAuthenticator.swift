import Domain

/// An authenticator that says every caller is `principal`: for tests of a service's own rules behind
/// an access level, apart from sessions (which AuthTests cover end to end).
public struct FixedAuthenticator: SessionAuthenticator {
    let principal: Principal?

    public init(_ principal: Principal?) {
        self.principal = principal
    }

    public static func platformAdmin() -> FixedAuthenticator {
        FixedAuthenticator(
            Principal(
                user: User(
                    id: "admin", universityID: UniversityID("u"), email: "admin@example.edu", name: "Admin",
                    emailVerified: true,
                    googleID: nil, role: .platformAdmin, isPro: false, createdAtUnix: 0),
                universitySubdomain: "u", sessionTokenHash: "", sessionExpiresAtUnix: .max))
    }

    public func authenticate(authorization: String?, tenant: String?) async throws -> Principal? { principal }
}
