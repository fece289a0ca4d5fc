import Domain
import Foundation
import Storage
import TestSupport
import Testing

@Suite("Universities and tenancy on both engines")
struct UniversityRepositoryTests {
    private func migrated(_ engine: Engine) async throws -> TestDatabase? {
        guard let test = try await TestDatabase.make(engine) else { return nil }
        try await Migrator(database: test.database).migrate()
        return test
    }

    private func draft(_ subdomain: String, domains: [String] = ["uni.edu"]) -> UniversityDraft {
        UniversityDraft(
            name: "University \(subdomain)", subdomain: subdomain, allowedDomains: domains, defaultSilver: 10,
            defaultGold: 2)
    }

    @Test("create, find, list and update", arguments: Engine.testable)
    func lifecycle(_ engine: Engine) async throws {
        guard let test = try await migrated(engine) else { return }
        defer { Task { await test.close() } }
        let service = UniversityService(repository: SQLUniversityRepository(database: test.database))
        let created = try await service.create(draft("iitb", domains: ["IITB.ac.in", " iitb.edu ", "iitb.ac.in"]))
        #expect(created.allowedDomains == ["iitb.ac.in", "iitb.edu"])  // normalised, deduplicated, sorted
        _ = try await service.create(draft("bits"))
        #expect(try await service.resolve(subdomain: "iitb") == created)
        #expect(try await SQLUniversityRepository(database: test.database).find(id: created.id) == created)
        #expect(try await service.list().map(\.subdomain) == ["bits", "iitb"])

        let updated = try await service.update(
            subdomain: "iitb", fields: [.defaultGold, .name],
            to: UniversityDraft(
                name: "IIT Bombay", subdomain: "iitb", allowedDomains: [],
                defaultSilver: 999, defaultGold: 7))
        #expect(updated.name == "IIT Bombay" && updated.defaultGold == 7)
        #expect(updated.defaultSilver == 10 && updated.allowedDomains == ["iitb.ac.in", "iitb.edu"])  // not in the mask
        #expect(try await service.resolve(subdomain: "iitb") == updated)
    }

    @Test("bad input is refused with the field it concerns", arguments: Engine.testable)
    func badInput(_ engine: Engine) async throws {
        guard let test = try await migrated(engine) else { return }
        defer { Task { await test.close() } }
        let service = UniversityService(repository: SQLUniversityRepository(database: test.database))
        _ = try await service.create(draft("taken"))
        let cases: [(UniversityDraft, DomainError.Kind, String)] = [
            (draft("IITB"), .invalidArgument, "subdomain"),
            (draft(String(repeating: "a", count: 64)), .invalidArgument, "subdomain"),
            (draft("a"), .invalidArgument, "subdomain"),
            (draft("iit_b"), .invalidArgument, "subdomain"),
            (draft("-iitb"), .invalidArgument, "subdomain"),
            (draft("ok", domains: ["not a domain"]), .invalidArgument, "allowed_domains"),
            (draft("ok", domains: ["localhost"]), .invalidArgument, "allowed_domains"),
            (
                UniversityDraft(name: "X", subdomain: "ok", allowedDomains: [], defaultSilver: -1, defaultGold: 0),
                .invalidArgument, "default_silver"
            ),
            (
                UniversityDraft(name: "X", subdomain: "ok", allowedDomains: [], defaultSilver: 0, defaultGold: -5),
                .invalidArgument, "default_gold"
            ),
            (
                UniversityDraft(name: "  ", subdomain: "ok", allowedDomains: [], defaultSilver: 0, defaultGold: 0),
                .invalidArgument, "name"
            ),
            (draft("taken"), .alreadyExists, "subdomain"),
        ]
        for (input, kind, field) in cases {
            do {
                _ = try await service.create(input)
                Issue.record("accepted \(input)")
            } catch let error as DomainError {
                #expect(error.kind == kind, "\(input.subdomain): \(error)")
                #expect(error.details["field"] == field, "\(input.subdomain): \(error)")
            }
        }
        #expect(try await service.list().map(\.subdomain) == ["taken"])
    }

    @Test("an unknown subdomain is UNKNOWN_TENANT", arguments: Engine.testable)
    func unknownTenant(_ engine: Engine) async throws {
        guard let test = try await migrated(engine) else { return }
        defer { Task { await test.close() } }
        let service = UniversityService(repository: SQLUniversityRepository(database: test.database))
        do {
            _ = try await service.resolveTenant("nowhere")
            Issue.record("resolved an unknown tenant")
        } catch let error as DomainError {
            #expect(error.kind == .notFound && error.reason == "UNKNOWN_TENANT")
        }
    }

    @Test("no repository call returns or changes another university's rows", arguments: Engine.testable)
    func tenancy(_ engine: Engine) async throws {
        guard let test = try await migrated(engine) else { return }
        defer { Task { await test.close() } }
        let service = UniversityService(repository: SQLUniversityRepository(database: test.database))
        let a = try await service.create(draft("alpha"))
        let b = try await service.create(draft("beta"))
        let users = SQLUserRepository(database: test.database)
        // The same email in both universities: two different people.
        let ada = try await users.create(in: a.id, email: "ada@uni.edu", name: "Ada A", role: .student, nowUnix: 1)
        let bob = try await users.create(in: b.id, email: "ada@uni.edu", name: "Ada B", role: .student, nowUnix: 1)
        _ = try await users.create(in: b.id, email: "bo@uni.edu", name: "Bo", role: .student, nowUnix: 1)

        #expect(try await users.find(in: a.id, email: "ada@uni.edu")?.id == ada.id)
        #expect(try await users.find(in: b.id, email: "ada@uni.edu")?.id == bob.id)
        #expect(try await users.find(in: b.id, id: ada.id) == nil)
        #expect(try await users.find(in: a.id, id: bob.id) == nil)
        #expect(try await users.list(in: a.id, limit: 100).map(\.id) == [ada.id])
        #expect(Set(try await users.list(in: b.id, limit: 100).map(\.universityID)) == [b.id])
        // Changing through the wrong tenant changes nothing.
        #expect(try await users.setRole(in: b.id, userID: ada.id, role: .platformAdmin) == false)
        #expect(try await users.find(in: a.id, id: ada.id)?.role == .student)
        #expect(try await users.setRole(in: a.id, userID: ada.id, role: .universityAdmin) == true)
        #expect(try await users.find(in: a.id, id: ada.id)?.role == .universityAdmin)
        #expect(try await users.find(in: b.id, id: bob.id)?.role == .student)
        // An email is unique within a university only.
        do {
            _ = try await users.create(in: a.id, email: "ADA@uni.edu", name: "again", role: .student, nowUnix: 1)
            Issue.record("a duplicate email in one university was accepted")
        } catch let error as DomainError {
            #expect(error.kind == .alreadyExists && error.reason == "EMAIL_TAKEN")
        }
    }

    @Test("the demo university is created once, on an empty database only", arguments: Engine.testable)
    func demo(_ engine: Engine) async throws {
        guard let test = try await migrated(engine) else { return }
        defer { Task { await test.close() } }
        let service = UniversityService(repository: SQLUniversityRepository(database: test.database))
        let demo = try await service.createDemoIfEmpty()
        #expect(demo?.subdomain == "demo" && demo?.allowedDomains == ["demo.edu"])
        #expect(try await service.createDemoIfEmpty() == nil)
        #expect(try await service.list().count == 1)
    }
}
