import ArgumentParser
import Domain
import Foundation
import Storage

/// `careerai-server university …`: manage tenants on the server host, straight against the database.
struct UniversityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "university",
        abstract: "Create, list and update universities (tenants) in CAREERAI_DATABASE_URL.",
        subcommands: [Create.self, List.self, Update.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a university.")

        @Option(help: "The university's name.") var name: String
        @Option(help: "Its subdomain: 2-63 lowercase letters, digits or hyphens.") var subdomain: String
        @Option(help: "Email domains whose students may sign up, comma-separated (e.g. iitb.ac.in,iitb.edu).")
        var domains = ""
        @Option(help: "Silver credits a new student starts with.") var silver: Int64 = 0
        @Option(help: "Gold credits a new student starts with.") var gold: Int64 = 0
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let database = await AdminSupport.database(AdminSupport.configuration())
            do {
                let university = try await UniversityService(repository: SQLUniversityRepository(database: database))
                    .create(
                        UniversityDraft(
                            name: name, subdomain: subdomain, allowedDomains: splitDomains(domains),
                            defaultSilver: silver, defaultGold: gold))
                UniversityCommand.print(university, json: json)
                await database.close()
            } catch {
                AdminSupport.fail(error)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List universities by subdomain.")

        @Flag(help: "Print JSON, one object per line.") var json = false

        func run() async throws {
            let database = await AdminSupport.database(AdminSupport.configuration())
            do {
                let universities = try await UniversityService(repository: SQLUniversityRepository(database: database))
                    .list()
                if universities.isEmpty && !json {
                    Swift.print("no universities yet; create one with: careerai-server university create")
                }
                for university in universities { UniversityCommand.print(university, json: json) }
                await database.close()
            } catch {
                AdminSupport.fail(error)
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a university's name, domains or default credits.")

        @Option(help: "The university to change.") var subdomain: String
        @Option(help: "A new name.") var name: String?
        @Option(help: "The new allowed email domains, comma-separated (replaces the list).") var domains: String?
        @Option(help: "New default silver credits.") var silver: Int64?
        @Option(help: "New default gold credits.") var gold: Int64?
        @Option(
            help:
                "Hosts (host or host:port) whose profile pages Skill Mapper may fetch, comma-separated (replaces the list; empty clears it)."
        )
        var portalHosts: String?
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard name != nil || domains != nil || silver != nil || gold != nil || portalHosts != nil else {
                throw ValidationError("give at least one of --name, --domains, --silver, --gold, --portal-hosts")
            }
        }

        func run() async throws {
            let database = await AdminSupport.database(AdminSupport.configuration())
            var fields = Set<UniversityService.Field>()
            if name != nil { fields.insert(.name) }
            if domains != nil { fields.insert(.allowedDomains) }
            if silver != nil { fields.insert(.defaultSilver) }
            if gold != nil { fields.insert(.defaultGold) }
            if portalHosts != nil { fields.insert(.profilePortalHosts) }
            do {
                let university = try await UniversityService(repository: SQLUniversityRepository(database: database))
                    .update(
                        subdomain: subdomain, fields: fields,
                        to: UniversityDraft(
                            name: name ?? "", subdomain: subdomain, allowedDomains: splitDomains(domains ?? ""),
                            defaultSilver: silver ?? 0, defaultGold: gold ?? 0,
                            profilePortalHosts: splitDomains(portalHosts ?? "")))
                UniversityCommand.print(university, json: json)
                await database.close()
            } catch {
                AdminSupport.fail(error)
            }
        }
    }

    static func print(_ university: University, json: Bool) {
        if json {
            let object: [String: Any] = [
                "id": university.id.rawValue, "name": university.name, "subdomain": university.subdomain,
                "allowed_domains": university.allowedDomains, "default_silver": university.defaultSilver,
                "default_gold": university.defaultGold, "created_at_unix": university.createdAtUnix,
                "profile_portal_hosts": university.profilePortalHosts,
            ]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            Swift.print(String(decoding: data, as: UTF8.self))
        } else {
            Swift.print(
                "\(university.subdomain)\t\(university.name)\tdomains: \(university.allowedDomains.joined(separator: ",").isEmpty ? "-" : university.allowedDomains.joined(separator: ","))\tsilver \(university.defaultSilver)\tgold \(university.defaultGold)\tportals: \(university.profilePortalHosts.isEmpty ? "-" : university.profilePortalHosts.joined(separator: ","))\tid \(university.id)"
            )
        }
    }
}

private func splitDomains(_ text: String) -> [String] {
    text.split(separator: ",").map { String($0) }.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
}
