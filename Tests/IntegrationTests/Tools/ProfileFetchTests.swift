import Client
import Contract
import Domain
import Foundation
import NIOPosix
import Outbound
import RPCCore
import TestSupport
import Testing

/// Skill Mapper's profile pages: only listed hosts, the resolved address checked, no redirects.
@Suite("Profile pages behind the SSRF guard")
struct ProfileFetchTests {
    static func portal() async throws -> HTTPStandIn {
        try await HTTPStandIn.start { request in
            switch request.uri {
            case "/profile":
                return (
                    200, [("Content-Type", "text/html; charset=utf-8")],
                    "<html><head><style>p{}</style><script>steal()</script></head><body><h1>Ada Lovelace</h1>"
                        + "<p>Skills: SQL &amp; Python</p><!-- hidden --></body></html>"
                )
            case "/redirect":
                return (302, [("Location", "http://169.254.169.254/latest/meta-data/")], "")
            default:
                return (404, [], "")
            }
        }
    }

    static func refusal(_ url: String, hosts: [String]) -> String? {
        do {
            _ = try ProfileURLPolicy.check(url, allowedHosts: hosts)
            return nil
        } catch let error as DomainError {
            return error.reason
        } catch {
            return "\(error)"
        }
    }

    @Test("unlisted hosts, metadata and mapped addresses, and http to a public host are refused before any request")
    func policy() async throws {
        let portal = try await Self.portal()
        let listed = ["127.0.0.1:\(portal.port)", "portal.iitb.ac.in"]
        for url in [
            "http://127.0.0.1:\(portal.port + 1)/profile",  // loopback, another port: not listed
            "http://169.254.169.254/latest/meta-data/",
            "http://[::ffff:127.0.0.1]:\(portal.port)/profile",
            "https://evil.example.com/profile",
            "http://portal.iitb.ac.in/profile",  // listed, but http to a public host
            "https://user:pass@portal.iitb.ac.in/profile",
            "ftp://127.0.0.1:\(portal.port)/profile",
        ] {
            #expect(Self.refusal(url, hosts: listed) == "PROFILE_URL_NOT_ALLOWED", "\(url)")
        }
        #expect(Self.refusal("https://portal.iitb.ac.in/u/ada", hosts: listed) == nil)
        #expect(Self.refusal("http://127.0.0.1:\(portal.port)/profile", hosts: listed) == nil)
        #expect(portal.connections == 0)
        await portal.stop()
    }

    @Test("the guard's address rules: private, loopback, link-local, CGNAT, mapped and unique-local are not public")
    func addresses() {
        for address in [
            "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
            "224.0.0.1", "::1", "::", "::ffff:127.0.0.1", "::ffff:8.8.8.8", "fe80::1", "fc00::1", "fd12::1",
            "64:ff9b::7f00:1", "2002:7f00:1::1",
        ] {
            #expect(!AddressGuard.isPublic(address), "\(address)")
        }
        for address in ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"] {
            #expect(AddressGuard.isPublic(address), "\(address)")
        }
    }

    @Test(
        "a listed host is fetched and reduced to text; a redirect is not followed; a name resolving to loopback is blocked"
    )
    func fetches() async throws {
        let portal = try await Self.portal()
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let fetcher = GuardedProfileFetcher(
            threadPool: pool, resolve: ["portal.example.edu:\(portal.port):127.0.0.1"])
        let hosts = ["127.0.0.1:\(portal.port)", "portal.example.edu:\(portal.port)"]

        let page = try await fetcher.text(
            of: try ProfileURLPolicy.check("http://127.0.0.1:\(portal.port)/profile", allowedHosts: hosts))
        #expect(page.contains("Ada Lovelace") && page.contains("Skills: SQL & Python"))
        #expect(!page.contains("steal") && !page.contains("hidden") && !page.contains("<"))
        #expect(portal.requests == 1)

        await #expect(throws: ProfileFetchError.self) {
            _ = try await fetcher.text(
                of: try ProfileURLPolicy.check("http://127.0.0.1:\(portal.port)/redirect", allowedHosts: hosts))
        }
        #expect(portal.requests == 2, "the redirect's target was never asked")

        // A listed DNS name whose address is loopback: refused before connecting (https only, too).
        let connectionsBefore = portal.connections
        do {
            _ = try await fetcher.text(
                of: try ProfileURLPolicy.check("https://portal.example.edu:\(portal.port)/profile", allowedHosts: hosts)
            )
            Issue.record("a name resolving to 127.0.0.1 was fetched")
        } catch let error as ProfileFetchError {
            #expect(error.message.contains("not public"), "\(error.message)")
        }
        #expect(portal.connections == connectionsBefore, "no connection reached the host")
        try await pool.shutdownGracefully()
        await portal.stop()
    }

    @Test(
        "Skill Mapper: a listed portal page is fetched into the run; an unlisted one is refused before any charge; a redirect fails the run, refunded",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func skillMapper(_ engine: Engine) async throws {
        let portal = try await Self.portal()
        guard let harness = try await AuthHarness.start(engine) else { return }
        _ = try await harness.server.runtime.universities.update(
            subdomain: "demo", fields: [.profilePortalHosts],
            to: UniversityDraft(
                name: "", subdomain: "demo", allowedDomains: [], defaultSilver: 0, defaultGold: 0,
                profilePortalHosts: ["127.0.0.1:\(portal.port)"]))
        let session = try await harness.signIn("mapper@demo.edu")
        let client = harness.client(token: session.token)
        let gold = try await client.wallet.wallet().gold

        var request = StartSkillMapperRequest()
        request.profilePortalURL = "http://127.0.0.1:\(portal.port)/profile"
        request.resumeText = RunsTests.jobPack().resumeText
        let run = try await client.runs.startSkillMapper(request)
        let last = try #require(try await RunsTests.finalState(client, run.id).last)
        #expect(last.status == "succeeded" && last.resultJSON.contains("learning_plan"), "\(last.errorReason)")
        #expect(portal.requests == 1)

        var unlisted = request
        unlisted.profilePortalURL = "http://169.254.169.254/latest/meta-data/"
        let refused = await AuthHarness.error { () async throws(RPCError) in
            _ = try await client.runs.startSkillMapper(unlisted)
        }
        #expect(refused?.code == .invalidArgument && refused?.reason == "PROFILE_URL_NOT_ALLOWED")
        #expect(try await client.wallet.wallet().gold == gold - 1, "only the first run was charged")

        var redirecting = request
        redirecting.profilePortalURL = "http://127.0.0.1:\(portal.port)/redirect"
        let redirected = try await client.runs.startSkillMapper(redirecting)
        let failed = try #require(try await RunsTests.finalState(client, redirected.id).last)
        #expect(failed.status == "failed" && failed.errorReason.hasPrefix("PROFILE_FETCH_FAILED"))
        #expect(try await client.wallet.wallet().gold == gold - 1, "the failed run was refunded")
        await client.close()
        await harness.close()
        await portal.stop()
    }
}
