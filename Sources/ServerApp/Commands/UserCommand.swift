import ArgumentParser
import Domain
import Foundation
import Storage

/// `careerai-server user …`: manage users on the server host, straight against the database.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Change users' roles and plans in CAREERAI_DATABASE_URL.",
        subcommands: [Promote.self, Plan.self]
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
                let administration = UserAdministration(
                    universities: UniversityService(repository: SQLUniversityRepository(database: database)),
                    users: SQLUserRepository(database: database))
                let change = try await administration.setRole(
                    email: email, role: User.Role(rawValue: role)!, subdomain: university)
                Swift.print(
                    "\(change.user.email) at \(change.university.subdomain) is now \(change.user.role.rawValue) (was \(change.previousRole.rawValue))"
                )
                await database.close()
            } catch {
                AdminSupport.fail(error)
            }
        }
    }

    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a student pro (Job Pack on the full model, pro prices) or free again.",
            discussion: "Runs already started keep the plan they were started with.")

        @Option(help: "The user's email.") var email: String
        @Option(help: "The university's subdomain (needed when the email is known at several).") var university: String?
        @Flag(help: "Pro plan.") var pro = false
        @Flag(help: "Free plan.") var free = false

        func validate() throws {
            guard pro != free else { throw ValidationError("give exactly one of --pro or --free") }
        }

        func run() async throws {
            let database = await AdminSupport.database(AdminSupport.configuration())
            do {
                let administration = UserAdministration(
                    universities: UniversityService(repository: SQLUniversityRepository(database: database)),
                    users: SQLUserRepository(database: database))
                let change = try await administration.setPlan(email: email, pro: pro, subdomain: university)
                Swift.print(
                    "\(change.user.email) at \(change.university.subdomain) is now \(pro ? "pro" : "free") (was \(change.wasPro ? "pro" : "free"))"
                )
                await database.close()
            } catch {
                AdminSupport.fail(error)
            }
        }
    }
}
