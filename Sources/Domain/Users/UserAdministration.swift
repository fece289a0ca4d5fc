/// Operators' changes to users (the `careerai-server user` commands): which user an email names, and
/// what may be changed. The rules are here; the commands only parse and print.
public struct UserAdministration: Sendable {
    public struct RoleChange: Sendable, Equatable {
        public var university: University
        public var user: User
        public var previousRole: User.Role
    }

    private let universities: UniversityService
    private let users: any UserRepository

    public init(universities: UniversityService, users: any UserRepository) {
        self.universities = universities
        self.users = users
    }

    /// Gives the user with `email` the role `role`. Without `subdomain` the email must be known at
    /// exactly one university (the same address may be a student at two); the user must have signed
    /// in once, so that an operator can never create an account the student did not ask for.
    public struct PlanChange: Sendable, Equatable {
        public var university: University
        public var user: User
        public var wasPro: Bool
    }

    public func setRole(email: String, role: User.Role, subdomain: String?) async throws -> RoleChange {
        let (home, user) = try await find(email: email, subdomain: subdomain)
        guard try await users.setRole(in: home.id, userID: user.id, role: role) else {
            throw DomainError(
                .notFound, reason: .userNotFound, "\(user.email) disappeared while being changed; try again")
        }
        var changed = user
        changed.role = role
        return RoleChange(university: home, user: changed, previousRole: user.role)
    }

    /// Makes the user pro (or free again): their next runs are priced and modelled by that plan;
    /// runs already started keep the plan they were started with.
    public func setPlan(email: String, pro: Bool, subdomain: String?) async throws -> PlanChange {
        let (home, user) = try await find(email: email, subdomain: subdomain)
        guard try await users.setPro(in: home.id, userID: user.id, isPro: pro) else {
            throw DomainError(
                .notFound, reason: .userNotFound, "\(user.email) disappeared while being changed; try again")
        }
        var changed = user
        changed.isPro = pro
        return PlanChange(university: home, user: changed, wasPro: user.isPro)
    }

    /// The one user `email` names (at `subdomain`, or at the only university that knows it).
    private func find(email: String, subdomain: String?) async throws -> (University, User) {
        let address = try EmailAddress.normalize(email).address
        let candidates =
            if let subdomain { [try await universities.resolve(subdomain: subdomain)] } else {
                try await universities.list()
            }
        var matches: [(University, User)] = []
        for candidate in candidates {
            if let user = try await users.find(in: candidate.id, email: address) { matches.append((candidate, user)) }
        }
        guard let (home, user) = matches.first else {
            throw DomainError(
                .notFound, reason: .userNotFound,
                "no user \(address)\(subdomain.map { " at \($0)" } ?? ""); they must sign in once first")
        }
        guard matches.count == 1 else {
            throw DomainError(
                .failedPrecondition, reason: .emailAtSeveralUniversities,
                "\(address) is known at \(matches.map(\.0.subdomain).joined(separator: ", ")); choose one with --university"
            )
        }
        return (home, user)
    }
}
