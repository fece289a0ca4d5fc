import API
import Client
import Contract
import Domain
import Foundation
import Logging
import RPCCore
import RPCServer
import ServerApp
import Storage
import TestSupport
import Testing
import Wire

/// careerai-server as the executable wires it (database, migrations, demo university), in-process.
struct RuntimeUnderTest {
    let runtime: ServerRuntime
    let port: Int

    static func start(databaseURL: String, environment: [String: String] = [:]) async throws -> RuntimeUnderTest {
        try await start(databaseURL: databaseURL, environment: environment, clock: SystemWallClock())
    }

    static func start(databaseURL: String, environment: [String: String] = [:], clock: any WallClock) async throws
        -> RuntimeUnderTest
    {
        var values = [
            "CAREERAI_RPC_ADDR": "127.0.0.1:0", "CAREERAI_DATABASE_URL": databaseURL, "CAREERAI_SECRET": testSecret,
        ]
        values.merge(environment) { _, new in new }
        let configuration = try ServerConfiguration.load(from: values)
        let runtime = try await ServerRuntime.make(
            configuration: configuration, logger: TestDatabase.logger, clock: clock)
        let address = try await runtime.start()
        return RuntimeUnderTest(runtime: runtime, port: address.port!)
    }

    static let testSecret = String(repeating: "5ec7e7", count: 8)

    func client(tenant: String? = nil, token: String? = nil) -> CareerAIClient {
        var configuration = ClientConfiguration(host: "127.0.0.1", port: port)
        if let tenant { configuration.defaultMetadata[MetadataKey.tenant] = tenant }
        if let token { configuration = configuration.signedIn(token: token) }
        return CareerAIClient(configuration: configuration)
    }
}

@Suite("UniversityService over RPC on both engines")
struct UniversityRPCTests {
    @Test("the demo university resolves by subdomain and by x-tenant", arguments: Engine.testable)
    func resolve(_ engine: Engine) async throws {
        guard let test = try await TestDatabase.make(engine) else { return }
        let server = try await RuntimeUnderTest.start(databaseURL: test.url)
        let client = server.client(tenant: "demo")
        let demo = try await client.universities.resolve(subdomain: "demo")
        #expect(demo.name == "Demo University" && demo.allowedDomains == ["demo.edu"])
        #expect(demo.defaultSilver == 10 && demo.defaultGold == 2 && !demo.id.isEmpty && demo.createdAtUnix > 0)
        #expect(try await client.universities.current() == demo)
        #expect(!demo.googleSignIn, "no GOOGLE_CLIENT_ID: pages must not offer Google sign-in")
        await client.close()
        await server.runtime.shutdown()
        await test.close()
    }

    @Test("unknown, missing and malformed tenants get NOT_FOUND or INVALID_ARGUMENT", arguments: Engine.testable)
    func badTenants(_ engine: Engine) async throws {
        guard let test = try await TestDatabase.make(engine) else { return }
        let server = try await RuntimeUnderTest.start(databaseURL: test.url)
        let expectations: [(String?, StatusCode, String, String?)] = [
            ("nowhere", .notFound, "UNKNOWN_TENANT", nil),
            (nil, .invalidArgument, "TENANT_REQUIRED", "x-tenant"),
            ("Demo", .invalidArgument, "INVALID_SUBDOMAIN", "subdomain"),
        ]
        for (tenant, code, reason, field) in expectations {
            let client = server.client(tenant: tenant)
            do {
                _ = try await client.universities.current()
                Issue.record("tenant \(tenant ?? "nil") resolved")
            } catch {
                #expect(error.code == code && error.reason == reason, "\(error)")
                #expect(error.details["field"] == field)
            }
            await client.close()
        }
        await server.runtime.shutdown()
        await test.close()
    }

    @Test("an anonymous caller cannot create universities over RPC (roles: AccessTests)", arguments: [Engine.sqlite])
    func adminOnly(_ engine: Engine) async throws {
        guard let test = try await TestDatabase.make(engine) else { return }
        let server = try await RuntimeUnderTest.start(databaseURL: test.url)
        let client = server.client()
        var request = CreateUniversityRequest()
        request.name = "New"
        request.subdomain = "new"
        do {
            _ = try await client.universities.create(request)
            Issue.record("an anonymous caller created a university")
        } catch {
            #expect(error.code == .unauthenticated && error.reason == "SIGN_IN_REQUIRED")
        }
        await #expect(throws: RPCError.self) { _ = try await client.universities.resolve(subdomain: "new") }
        await client.close()
        await server.runtime.shutdown()
        await test.close()
    }

    @Test(
        "an admin's bad input over RPC is INVALID_ARGUMENT naming the field; a taken subdomain ALREADY_EXISTS",
        arguments: Engine.testable)
    func adminBadInput(_ engine: Engine) async throws {
        guard let test = try await TestDatabase.make(engine) else { return }
        try await Migrator(database: test.database).migrate()
        // The real service behind a caller who is a platform admin (sessions themselves: AuthTests).
        let universities = UniversityService(repository: SQLUniversityRepository(database: test.database))
        var router = APIRouter.make(authenticator: FixedAuthenticator.platformAdmin())
        router.register(UniversityRPCService(universities: universities))
        let server = RPCServer(router: router, health: HealthStatus(), logger: TestDatabase.logger)
        let port = try await server.start(host: "127.0.0.1", port: 0).port!
        let client = CareerAIClient(configuration: ClientConfiguration(host: "127.0.0.1", port: port))

        func create(_ subdomain: String, domains: [String] = ["u.edu"], silver: Int64 = 1) -> CreateUniversityRequest {
            var request = CreateUniversityRequest()
            request.name = "U \(subdomain)"
            request.subdomain = subdomain
            request.allowedDomains = domains
            request.defaultSilver = silver
            return request
        }
        let created = try await client.universities.create(create("good"))
        #expect(created.subdomain == "good")
        let cases: [(CreateUniversityRequest, StatusCode, String)] = [
            (create("Caps"), .invalidArgument, "subdomain"),
            (create(String(repeating: "x", count: 64)), .invalidArgument, "subdomain"),
            (create("sp ace"), .invalidArgument, "subdomain"),
            (create("fine", domains: ["nodot"]), .invalidArgument, "allowed_domains"),
            (create("fine", silver: -3), .invalidArgument, "default_silver"),
            (create("good"), .alreadyExists, "subdomain"),
        ]
        for (request, code, field) in cases {
            do {
                _ = try await client.universities.create(request)
                Issue.record("accepted \(request.subdomain)")
            } catch {
                #expect(error.code == code, "\(request.subdomain): \(error)")
                #expect(error.details["field"] == field, "\(request.subdomain): \(error)")
            }
        }
        var update = UpdateUniversityRequest()
        update.subdomain = "good"
        update.defaultGold = 9
        update.updateMask = ["default_gold"]
        #expect(try await client.universities.update(update).defaultGold == 9)
        update.updateMask = ["subdomain"]
        do {
            _ = try await client.universities.update(update)
            Issue.record("a subdomain change was accepted")
        } catch {
            #expect(error.code == .invalidArgument && error.details["field"] == "update_mask")
        }
        await client.close()
        await server.drain()
        await test.close()
    }
}

@Suite("PostgreSQL outage")
struct PostgresOutageTests {
    @Test(
        "PostgreSQL restarted under a running server: UNAVAILABLE during the outage, served again after",
        .enabled(if: TestServices.postgresBinaries, "needs PostgreSQL's server binaries"))
    func restart() async throws {
        guard let postgres = try await PrivatePostgres.start() else { return }
        let server = try await RuntimeUnderTest.start(databaseURL: postgres.url)
        let client = server.client()
        #expect(try await client.universities.resolve(subdomain: "demo").subdomain == "demo")

        try await postgres.stopServer()
        for _ in 0..<3 {
            do {
                _ = try await client.universities.resolve(subdomain: "demo")
                Issue.record("a call succeeded while PostgreSQL was down")
            } catch {
                #expect(error.code == .unavailable && error.reason == "DATABASE_UNAVAILABLE", "\(error)")
            }
        }
        #expect(try await client.health.check().status == "SERVING")  // the server itself stays up

        try await postgres.startServer()
        // The pooled connections died with the server; the first call after the restart reconnects.
        #expect(try await client.universities.resolve(subdomain: "demo").subdomain == "demo")
        #expect(try await client.universities.resolve(subdomain: "demo").subdomain == "demo")
        await client.close()
        await server.runtime.shutdown()
    }
}
