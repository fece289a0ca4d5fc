/// A student or an administrator, always of one university.
public struct User: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable {
        case student
        case universityAdmin = "university_admin"
        case platformAdmin = "platform_admin"
    }

    public var id: String
    public var universityID: UniversityID
    public var email: String
    public var name: String
    public var emailVerified: Bool
    public var googleID: String?
    public var role: Role
    public var isPro: Bool
    public var createdAtUnix: Int64

    public init(
        id: String, universityID: UniversityID, email: String, name: String, emailVerified: Bool,
        googleID: String?, role: Role, isPro: Bool, createdAtUnix: Int64
    ) {
        self.id = id
        self.universityID = universityID
        self.email = email
        self.name = name
        self.emailVerified = emailVerified
        self.googleID = googleID
        self.role = role
        self.isPro = isPro
        self.createdAtUnix = createdAtUnix
    }
}

/// Where users are kept. Every call is scoped to one university.
public protocol UserRepository: Sendable {
    /// Throws `.alreadyExists` (reason `EMAIL_TAKEN`) when the email is in use in that university.
    func create(in university: UniversityID, email: String, name: String, role: User.Role, nowUnix: Int64) async throws
        -> User
    func find(in university: UniversityID, email: String) async throws -> User?
    func find(in university: UniversityID, id: String) async throws -> User?
    func list(in university: UniversityID, limit: Int) async throws -> [User]
    /// False when the university has no such user.
    func setRole(in university: UniversityID, userID: String, role: User.Role) async throws -> Bool
    /// Pro or free: the plan that prices their runs and picks Job Pack's model.
    func setPro(in university: UniversityID, userID: String, isPro: Bool) async throws -> Bool
}
