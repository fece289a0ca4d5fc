import API
import Client
import Contract
import Domain
import Foundation
import Logging
import RPCCore
import RPCServer
import Storage
import TestSupport
import Testing
import Wire

/// One method per access level, so the guard can be driven through a real server and real sessions.
private struct AccessProbeService: RPCService {
    static let levels: [(String, MethodAccess)] = [
        ("Public", .public), ("SignedIn", .signedIn), ("Verified", .verified),
        ("UniversityAdmin", .universityAdmin), ("PlatformAdmin", .platformAdmin),
    ]

    static func method(_ name: String) -> MethodDescriptor<HealthCheckRequest, HealthCheckResponse> {
        levels.first { $0.0 == name }.map { Self.method(name, $0.1) }!
    }

    static func method(_ name: String, _ level: MethodAccess) -> MethodDescriptor<
        HealthCheckRequest, HealthCheckResponse
    > {
        MethodDescriptor(service: "careerai.v1.AccessProbe", method: name, kind: .unary, access: level)
    }

    func registerMethods(with router: inout RPCRouter) {
        for (name, level) in Self.levels {
            router.unary(Self.method(name, level)) { (_: HealthCheckRequest, context) in
                HealthCheckResponse(status: context.principal?.user.email ?? "anonymous", version: "", uptimeMs: 0)
            }
        }
    }
}

@Suite("Sessions and access levels over RPC, on both engines")
struct SessionAccessTests {
    @Test(
        "sessions expire, can be revoked, and bad tokens are refused",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func sessionLifecycle(_ engine: Engine) async throws {
        guard let harness = try await AuthHarness.start(engine) else { return }
        let session = try await harness.signIn("life@demo.edu")
        let signedIn = harness.client(token: session.token)
        #expect(try await signedIn.auth.me().email == "life@demo.edu")

        let anonymous = harness.client()
        let noToken = await AuthHarness.error { () async throws(RPCError) in try await anonymous.auth.me() }
        #expect(noToken?.code == .unauthenticated && noToken?.reason == "SIGN_IN_REQUIRED")
        for bad in [
            "Bearer cai_notarealtoken", "Basic dXNlcjpwYXNz", "Bearer", "cai_x",
            "Bearer " + String(repeating: "a", count: 300),
        ] {
            let client = harness.server.client(tenant: "demo")
            let error = await AuthHarness.error { () async throws(RPCError) in
                try await client.unary(Methods.AuthService.getMe, GetMeRequest(), metadata: ["authorization": bad])
                    as UserMessage
            }
            #expect(
                error?.code == .unauthenticated && error?.reason == "SESSION_INVALID",
                "\(bad.prefix(20)): \(String(describing: error))")
            await client.close()
        }

        // Expiry: thirty days later the token no longer works.
        harness.clock.advance(seconds: 30 * 24 * 3600 - 1)
        #expect(try await signedIn.auth.me().email == "life@demo.edu")
        harness.clock.advance(seconds: 1)
        let expired = await AuthHarness.error { () async throws(RPCError) in try await signedIn.auth.me() }
        #expect(expired?.code == .unauthenticated && expired?.reason == "SESSION_EXPIRED")

        // Revocation: SignOut ends this session and no other.
        harness.clock.advance(seconds: 120)
        let first = try await harness.signIn("life@demo.edu")
        harness.clock.advance(seconds: 61)
        let second = try await harness.signIn("life@demo.edu")
        let one = harness.client(token: first.token)
        let two = harness.client(token: second.token)
        try await one.auth.signOut()
        let revoked = await AuthHarness.error { () async throws(RPCError) in try await one.auth.me() }
        #expect(revoked?.code == .unauthenticated && revoked?.reason == "SESSION_INVALID")
        #expect(try await two.auth.me().email == "life@demo.edu")
        let twice = await AuthHarness.error { () async throws(RPCError) in try await one.auth.signOut() }
        #expect(twice?.reason == "SESSION_INVALID")
        for client in [signedIn, anonymous, one, two] { await client.close() }
        await harness.close()
    }

    @Test(
        "a token of university A used with x-tenant B is PERMISSION_DENIED (TENANT_MISMATCH)",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func tenantMismatch(_ engine: Engine) async throws {
        guard let harness = try await AuthHarness.start(engine) else { return }
        _ = try await harness.server.runtime.universities.create(
            UniversityDraft(
                name: "Other University", subdomain: "other", allowedDomains: ["other.edu"], defaultSilver: 5,
                defaultGold: 0))
        let demoSession = try await harness.signIn("a@demo.edu")
        let otherSession = try await harness.signIn("b@other.edu", tenant: "other")
        #expect(demoSession.user?.universityID != otherSession.user?.universityID)

        let crossed = harness.client(tenant: "other", token: demoSession.token)
        let error = await AuthHarness.error { () async throws(RPCError) in try await crossed.auth.me() }
        #expect(error?.code == .permissionDenied && error?.reason == "TENANT_MISMATCH")
        // The same email may exist at both universities: they are different users.
        let demoClient = harness.client(tenant: "demo", token: demoSession.token)
        #expect(try await demoClient.auth.me().email == "a@demo.edu")
        let noTenant = harness.client(tenant: nil, token: otherSession.token)
        #expect(
            try await noTenant.auth.me().email == "b@other.edu", "without x-tenant the token's own university applies")
        for client in [crossed, demoClient, noTenant] { await client.close() }
        await harness.close()
    }

    @Test(
        "one guard: each access level admits exactly the callers it should",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func accessLevels(_ engine: Engine) async throws {
        guard let harness = try await AuthHarness.start(engine) else { return }
        // The real AuthService resolves sessions for a router that also serves the probe methods.
        var router = APIRouter.make(authenticator: harness.server.runtime.auth)
        router.register(AccessProbeService())
        let probeServer = RPCServer(router: router, health: HealthStatus(), logger: TestDatabase.logger)
        let port = try await probeServer.start(host: "127.0.0.1", port: 0).port!

        let student = try await harness.signIn("student@demo.edu")
        let admin = try await harness.signIn("admin@demo.edu")
        let platform = try await harness.signIn("root@demo.edu")
        let users = SQLUserRepository(database: harness.test.database)
        let demo = try await harness.server.runtime.universities.resolve(subdomain: "demo")
        #expect(try await users.setRole(in: demo.id, userID: admin.user!.id, role: .universityAdmin))
        #expect(try await users.setRole(in: demo.id, userID: platform.user!.id, role: .platformAdmin))
        // An unverified user with a session (e.g. made by an operator): only sign-in can verify them.
        let unverifiedToken = SessionToken.generate()
        let now = harness.clock.nowUnix
        try await SQLAuthStore(database: harness.test.database).transaction { tx in
            let user = User(
                id: UUID().uuidString.lowercased(), universityID: demo.id, email: "unverified@demo.edu", name: "",
                emailVerified: false, googleID: nil, role: .student, isPro: false, createdAtUnix: now)
            try tx.createUser(user, grants: [])
            try tx.insertSession(
                SessionRecord(
                    tokenHash: SessionToken.hash(unverifiedToken), userID: user.id, universityID: demo.id,
                    createdAtUnix: now, expiresAtUnix: now + 3600))
        }

        let callers: [(String, String?)] = [
            ("anonymous", nil), ("unverified", unverifiedToken), ("student", student.token),
            ("university admin", admin.token), ("platform admin", platform.token),
        ]
        // Expected outcome per caller (rows) and level (columns): nil = OK, else the reason.
        let expected: [[String?]] = [
            [nil, "SIGN_IN_REQUIRED", "SIGN_IN_REQUIRED", "SIGN_IN_REQUIRED", "SIGN_IN_REQUIRED"],
            [nil, nil, "EMAIL_NOT_VERIFIED", "UNIVERSITY_ADMIN_REQUIRED", "PLATFORM_ADMIN_REQUIRED"],
            [nil, nil, nil, "UNIVERSITY_ADMIN_REQUIRED", "PLATFORM_ADMIN_REQUIRED"],
            [nil, nil, nil, nil, "PLATFORM_ADMIN_REQUIRED"],
            [nil, nil, nil, nil, nil],
        ]
        for (row, (who, token)) in callers.enumerated() {
            var configuration = ClientConfiguration(host: "127.0.0.1", port: port)
            configuration.defaultMetadata["x-tenant"] = "demo"
            if let token { configuration = configuration.signedIn(token: token) }
            let client = CareerAIClient(configuration: configuration)
            for (column, (name, _)) in AccessProbeService.levels.enumerated() {
                do {
                    let _: HealthCheckResponse = try await client.unary(
                        AccessProbeService.method(name), HealthCheckRequest())
                    #expect(expected[row][column] == nil, "\(who) was let into \(name)")
                } catch {
                    #expect(error.reason == expected[row][column], "\(who) → \(name): \(error)")
                    let code: StatusCode =
                        switch error.reason {
                        case "SIGN_IN_REQUIRED": .unauthenticated
                        case "EMAIL_NOT_VERIFIED": .failedPrecondition
                        default: .permissionDenied
                        }
                    #expect(error.code == code)
                }
            }
            await client.close()
        }

        // CreateUniversity is for platform admins only, over the real server.
        var request = CreateUniversityRequest()
        request.name = "Made Over RPC"
        request.subdomain = "viarpc"
        request.allowedDomains = ["viarpc.edu"]
        let asStudent = harness.client(token: student.token)
        let refused = await AuthHarness.error { () async throws(RPCError) in
            try await asStudent.universities.create(request)
        }
        #expect(refused?.code == .permissionDenied && refused?.reason == "PLATFORM_ADMIN_REQUIRED")
        let asAdmin = harness.client(token: admin.token)
        let refusedAdmin = await AuthHarness.error { () async throws(RPCError) in
            try await asAdmin.universities.create(request)
        }
        #expect(refusedAdmin?.reason == "PLATFORM_ADMIN_REQUIRED")
        let asPlatform = harness.client(token: platform.token)
        #expect(try await asPlatform.universities.create(request).subdomain == "viarpc")
        for client in [asStudent, asAdmin, asPlatform] { await client.close() }
        await probeServer.drain()
        await harness.close()
    }
}
