import Crypto
import HTTPTypes
import RPCCore
import Testing

@testable import RESTAdapter

@Suite("careerai-rest's pieces: statuses, tenants from the Host, signed tokens, cookies, deadlines")
struct RESTAdapterUnitTests {
    @Test("every gRPC code has grpc-gateway's HTTP status; INSUFFICIENT_CREDITS is 402")
    func statusTable() {
        let expected: [StatusCode: Int] = [
            .ok: 200, .cancelled: 499, .unknown: 500, .invalidArgument: 400, .deadlineExceeded: 504, .notFound: 404,
            .alreadyExists: 409, .permissionDenied: 403, .resourceExhausted: 429, .failedPrecondition: 400,
            .aborted: 409, .outOfRange: 400, .unimplemented: 501, .internal: 500, .unavailable: 503, .dataLoss: 500,
            .unauthenticated: 401,
        ]
        #expect(Set(expected.keys) == Set(StatusCode.allCases), "the table covers every code")
        for (code, status) in expected {
            #expect(HTTPStatusMapping.httpStatus(for: RPCError(code, "x")).code == status, "\(code)")
        }
        let credits = RPCError(.resourceExhausted, "short", reason: .insufficientCredits)
        #expect(HTTPStatusMapping.httpStatus(for: credits).code == 402)
    }

    @Test("the tenant is one label under the base domain, from the Host alone")
    func tenants() {
        let tenants = HostTenant(baseDomain: "localhost")
        #expect(tenants.resolve("demo.localhost:8080") == .tenant("demo"))
        #expect(tenants.resolve("DEMO.localhost.") == .tenant("demo"))
        for host in [
            nil, "", "localhost", "localhost:8080", "a.b.localhost", "demo.example.com", "demolocalhost", "[::1]:8080",
            "demo.localhost:0", "demo.localhost:99999", "demo.localhost:x", "de_mo.localhost", ".localhost",
            String(repeating: "a", count: 64) + ".localhost",
        ] {
            #expect(tenants.resolve(host) == .none, "\(host ?? "nil")")
        }
        #expect(HostTenant.isLocalDevelopment("demo.localhost:8080") && HostTenant.isLocalDevelopment("localhost"))
        #expect(!HostTenant.isLocalDevelopment("demo.careerai.app") && !HostTenant.isLocalDevelopment(nil))
        #expect(!HostTenant.isLocalDevelopment("localhost.evil.example"))
    }

    @Test("CSRF tokens are bound to their session; the Google state cookie is signed and expires")
    func signedTokens() {
        let tokens = SignedTokens(key: SymmetricKey(size: .bits256))
        let csrf = tokens.csrfToken(forSession: "session-a")
        #expect(tokens.checkCSRF(csrf, session: "session-a"))
        #expect(!tokens.checkCSRF(csrf, session: "session-b") && !tokens.checkCSRF(nil, session: "session-a"))
        #expect(!SignedTokens(key: SymmetricKey(size: .bits256)).checkCSRF(csrf, session: "session-a"), "another key")

        let cookie = tokens.googleState(state: "st", verifier: "ver", expiresAtUnix: 1_000)
        #expect(tokens.openGoogleState(cookie, nowUnix: 999)?.state == "st")
        #expect(tokens.openGoogleState(cookie, nowUnix: 999)?.verifier == "ver")
        #expect(tokens.openGoogleState(cookie, nowUnix: 1_000) == nil, "expired")
        let later = cookie.replacingOccurrences(of: ".1000.", with: ".9999.")
        #expect(tokens.openGoogleState(later, nowUnix: 999) == nil, "a changed expiry breaks the signature")
        #expect(
            tokens.openGoogleState("st.ver.1000", nowUnix: 999) == nil && tokens.openGoogleState(nil, nowUnix: 0) == nil
        )
    }

    @Test("PKCE's S256 challenge matches RFC 7636's example; verifiers are 43 characters of base64url")
    func pkce() {
        #expect(
            SignedTokens.pkceChallenge(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
                == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        let verifier = SignedTokens.random(bytes: 32)
        #expect(verifier.count == 43 && verifier.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(verifier != SignedTokens.random(bytes: 32))
    }

    @Test("cookies: host-only, HttpOnly, SameSite=Lax, Path; Secure unless a localhost host")
    func cookies() {
        let local = SessionCookies.sessionCookie(
            token: "t", expiresAtUnix: 160, host: "demo.localhost:8080", nowUnix: 100)
        #expect(local == "careerai_session=t; Path=/; Max-Age=60; HttpOnly; SameSite=Lax")
        let public_ = SessionCookies.sessionCookie(
            token: "t", expiresAtUnix: 90, host: "demo.careerai.app", nowUnix: 100)
        #expect(
            public_.hasSuffix("; Secure") && public_.contains("Max-Age=0;") && !public_.lowercased().contains("domain=")
        )
        #expect(SessionCookies.googleStateCookie("v", host: nil, maxAgeS: 600).contains("Path=/v1/auth/google"))
    }

    @Test("Grpc-Timeout: grpc-gateway's units, rounded up to 1 ms, capped; malformed refused")
    func deadlines() throws {
        func ms(_ text: String?) throws -> UInt32? { try RESTResponder.deadline(text) }
        #expect(try ms(nil) == nil)
        #expect(try ms("2S") == 2_000)
        #expect(try ms("1M") == 60_000)
        #expect(try ms("1H") == 3_600_000)
        #expect(try ms("250m") == 250)
        #expect(try ms("1n") == 1, "rounded up: a deadline is never zero")
        #expect(try ms("1500u") == 1)
        #expect(try ms("99999999H") == UInt32.max, "clamped, not wrapped")
        for bad in ["", "S", "10", "10x", "-1S", "1.5S", "1234567890S"] {
            #expect(throws: RESTError.self, "\(bad)") { try RESTResponder.deadline(bad) }
        }
    }
}
