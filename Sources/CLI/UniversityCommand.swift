import ArgumentParser
import Client
import Contract
import Wire

struct UniversityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "university",
        abstract: "Look up universities (tenants).",
        subcommands: [Resolve.self, Show.self]
    )

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the university at a subdomain.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The subdomain, e.g. iitb.") var subdomain: String

        func run() async throws {
            let client = try global.makeClient()
            do {
                UniversityCommand.show(try await client.universities.resolve(subdomain: subdomain), json: global.json)
                await client.close()
            } catch {
                Output.fail(error, target: global.target)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the university that --tenant names.")

        @OptionGroup var global: GlobalOptions

        func validate() throws {
            guard global.tenant != nil || global.environmentTenant != nil else {
                throw ValidationError("name your university with --tenant SUBDOMAIN (or $CAREERAI_TENANT)")
            }
        }

        func run() async throws {
            let client = try global.makeClient()
            do {
                UniversityCommand.show(try await client.universities.current(), json: global.json)
                await client.close()
            } catch {
                Output.fail(error, target: global.target)
            }
        }
    }

    static func show(_ university: UniversityMessage, json: Bool) {
        if json {
            Output.json([
                "id": university.id, "name": university.name, "subdomain": university.subdomain,
                "allowed_domains": university.allowedDomains, "default_silver": university.defaultSilver,
                "default_gold": university.defaultGold, "created_at_unix": university.createdAtUnix,
            ])
        } else {
            Output.line(
                """
                \(university.name) (\(university.subdomain))
                  sign-up domains: \(university.allowedDomains.isEmpty ? "none yet" : university.allowedDomains.joined(separator: ", "))
                  new students start with \(university.defaultSilver) silver and \(university.defaultGold) gold credits
                """)
        }
    }
}
