import ArgumentParser
import Domain
import Foundation
import Storage

/// `careerai-server user …`: manage users on the server host, straight against the database.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Change users' roles in CAREERAI_DATABASE_URL.",
        subcommands: [Promote.self]
    )

    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a user a role (student, university_admin, platform_admin).",
            discussion:
                "The user must have signed in once. Name the university when the email is known at more than one.")

        @Option(help: "The user's email.") var email: String
        @Option(help: "student, university_admin or platform_admin.") var role: String
        @Option(help: "The university's subdomain (needed when the email is known at several).") var university: String?

        func validate() throws {
            guard User.Role(rawValue: role) != nil else {
                throw ValidationError(
                    "--role must be one of: \(User.Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() async throws {
            let database = await AdminSupport.database(AdminSupport.configuration())
            do {
                let address = try EmailAddress.normalize(email).address
                let universities = UniversityService(repository: SQLUniversityRepository(database: database))
                let users = SQLUserRepository(database: database)
                let candidates =
                    if let university { [try await universities.resolve(subdomain: university)] } else {
                        try await universities.list()
                    }
                var matches: [(University, User)] = []
                for candidate in candidates {
                    if let user = try await users.find(in: candidate.id, email: address) {
                        matches.append((candidate, user))
                    }
                }
                guard let (home, user) = matches.first else {
                    AdminSupport.fail(
                        "no user \(address)\(university.map { " at \($0)" } ?? ""); they must sign in once first")
                }
                guard matches.count == 1 else {
                    AdminSupport.fail(
                        "\(address) is known at \(matches.map(\.0.subdomain).joined(separator: ", ")); choose one with --university"
                    )
                }
                let newRole = User.Role(rawValue: role)!
                guard try await users.setRole(in: home.id, userID: user.id, role: newRole) else {
                    AdminSupport.fail("\(address) disappeared while being promoted; try again")
                }
                Swift.print("\(address) at \(home.subdomain) is now \(newRole.rawValue) (was \(user.role.rawValue))")
                await database.close()
            } catch {
                AdminSupport.fail(error)
            }
        }
    }
}
