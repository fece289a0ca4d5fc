import Domain
import Testing

@Suite("UniversityService and UserAdministration on in-memory ports")
struct UniversityServiceTests {
    @Test("a university's fields are validated; subdomains are unique; tenants resolve or say why not")
    func universities() async throws {
        let world = try await DomainWorld.make()
        let taken = await domainError {
            _ = try await world.universities.create(
                UniversityDraft(name: "Again", subdomain: "demo", allowedDomains: [], defaultSilver: 0, defaultGold: 0))
        }
        #expect(taken?.reason == "SUBDOMAIN_TAKEN")
        let negative = await domainError {
            _ = try await world.universities.create(
                UniversityDraft(name: "Neg", subdomain: "neg", allowedDomains: [], defaultSilver: -1, defaultGold: 0))
        }
        #expect(negative?.kind == .invalidArgument)
        let badDomain = await domainError {
            _ = try await world.universities.create(
                UniversityDraft(
                    name: "Bad", subdomain: "bad", allowedDomains: ["not a domain"], defaultSilver: 0, defaultGold: 0))
        }
        #expect(badDomain?.kind == .invalidArgument)
        #expect(try await world.universities.resolveTenant("demo").id == world.demo.id)
        let missing = await domainError { _ = try await world.universities.resolveTenant(nil) }
        #expect(missing?.reason == "TENANT_REQUIRED")
        let unknown = await domainError { _ = try await world.universities.resolveTenant("nowhere") }
        #expect(unknown?.reason == "UNKNOWN_TENANT")
        let malformed = await domainError { _ = try await world.universities.resolveTenant("Bad_Sub!") }
        #expect(malformed?.reason == "INVALID_SUBDOMAIN")
        #expect(
            try await world.universities.createDemoIfEmpty() == nil,
            "the demo university is made only on an empty database")
    }

    @Test("setting a role: the user must have signed in, and an email known at two universities needs --university")
    func roles() async throws {
        let world = try await DomainWorld.make()
        let administration = UserAdministration(universities: world.universities, users: world.store)
        let nobody = await domainError {
            _ = try await administration.setRole(email: "nobody@demo.edu", role: .platformAdmin, subdomain: nil)
        }
        #expect(nobody?.reason == "USER_NOT_FOUND" && nobody?.message.contains("must sign in once first") == true)

        let student = try await world.signIn("Pat@demo.edu")
        let change = try await administration.setRole(email: "PAT@demo.edu", role: .universityAdmin, subdomain: nil)
        #expect(
            change.previousRole == .student && change.user.role == .universityAdmin
                && change.university.id == world.demo.id)
        #expect(try await world.store.find(in: world.demo.id, id: student.user.id)?.role == .universityAdmin)

        _ = try await world.universities.create(
            UniversityDraft(
                name: "Twin", subdomain: "twin", allowedDomains: ["demo.edu"], defaultSilver: 0, defaultGold: 0))
        _ = try await world.signIn("pat@demo.edu", tenant: "twin")
        let ambiguous = await domainError {
            _ = try await administration.setRole(email: "pat@demo.edu", role: .student, subdomain: nil)
        }
        #expect(
            ambiguous?.reason == "EMAIL_AT_SEVERAL_UNIVERSITIES" && ambiguous?.message.contains("demo, twin") == true)
        let chosen = try await administration.setRole(email: "pat@demo.edu", role: .student, subdomain: "twin")
        #expect(chosen.university.subdomain == "twin" && chosen.previousRole == .student)
    }
}
