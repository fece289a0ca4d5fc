import Client
import Contract
import Foundation
import RPCCore
import TestSupport
import Testing
import Wire

@Suite("Google sign-in through a local stand-in for Google's token endpoint and JWKS")
struct GoogleSignInTests {
    static let redirectURI = "http://localhost:8765/callback"

    @Test(
        "the authorization URL names our client, the redirect, the state and the university's domain",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"))
    func authorizationURL() async throws {
        guard let harness = try await AuthHarness.start(.sqlite, google: true) else { return }
        let client = harness.client()
        #expect(try await client.universities.current().googleSignIn, "configured: every answer says so")
        let answer = try await client.auth.googleAuthURL(redirectURI: Self.redirectURI, state: "s-123")
        let items = try #require(URLComponents(string: answer.url)?.queryItems)
        func item(_ name: String) -> String? { items.first { $0.name == name }?.value }
        #expect(answer.url.hasPrefix("http://127.0.0.1:\(harness.google!.port)/auth?"))
        #expect(
            item("client_id") == GoogleStandIn.clientID && item("redirect_uri") == Self.redirectURI
                && item("state") == "s-123")
        #expect(item("response_type") == "code" && item("scope") == "openid email profile" && item("hd") == "demo.edu")
        #expect(answer.state == "s-123")
        let generated = try await client.auth.googleAuthURL(redirectURI: Self.redirectURI)
        #expect(generated.state.count == 32 && generated.url.contains("state=\(generated.state)"))
        let bad = await AuthHarness.error { () async throws(RPCError) in
            try await client.auth.googleAuthURL(redirectURI: "javascript:alert(1)")
        }
        #expect(bad?.code == .invalidArgument && bad?.details["field"] == "redirect_uri")
        await client.close()
        await harness.close()
    }

    @Test(
        "a first Google sign-in creates the user with starting credits; a later one links an existing email account",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func signInAndLink(_ engine: Engine) async throws {
        guard let harness = try await AuthHarness.start(engine, google: true), let google = harness.google else {
            return
        }
        let client = harness.client()
        var claims = GoogleStandIn.Claims(subject: "google-sub-1", email: "grace@demo.edu")
        claims.name = "Grace Hopper"
        let session = try await client.auth.googleSignIn(
            code: google.issueCode(claims, redirectURI: Self.redirectURI), redirectURI: Self.redirectURI)
        let user = try #require(session.user)
        #expect(
            user.email == "grace@demo.edu" && user.googleID == "google-sub-1" && user.emailVerified
                && user.name == "Grace Hopper")
        let money = try await harness.walletAndLedger(userID: user.id)
        #expect(money.silver == 10 && money.gold == 2 && money.ledgerSilver == 10 && money.ledgerGold == 2)
        #expect(try await harness.client(token: session.token).auth.me() == user)

        // Someone who signed up with a code, then signs in with Google: the same account, now linked.
        let byCode = try await harness.signIn("linus@demo.edu")
        let linked = try await client.auth.googleSignIn(
            code: google.issueCode(
                GoogleStandIn.Claims(subject: "google-sub-2", email: "linus@demo.edu"), redirectURI: Self.redirectURI),
            redirectURI: Self.redirectURI)
        #expect(
            linked.user?.id == byCode.user?.id && linked.user?.googleID == "google-sub-2"
                && linked.user?.name == "Test Student")
        #expect(try await harness.walletAndLedger(userID: byCode.user!.id).ledgerRows == 2, "linking grants nothing")
        // The account is found by its Google id afterwards, even if the Google email changed.
        let again = try await client.auth.googleSignIn(
            code: google.issueCode(
                GoogleStandIn.Claims(subject: "google-sub-2", email: "linus.t@demo.edu"), redirectURI: Self.redirectURI),
            redirectURI: Self.redirectURI)
        #expect(again.user?.id == byCode.user?.id)
        // Keys are cached (Cache-Control max-age): three sign-ins, one JWKS fetch.
        #expect(google.jwksFetches == 1)
        await client.close()
        await harness.close()
    }

    @Test(
        "PKCE: the challenge goes into the authorization URL as S256, the verifier to the token exchange; a wrong or malformed one is refused",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"))
    func pkce() async throws {
        guard let harness = try await AuthHarness.start(.sqlite, google: true), let google = harness.google else {
            return
        }
        let client = harness.client()
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"  // RFC 7636's appendix B example
        let challenge = GoogleStandIn.pkceChallenge(verifier: verifier)
        #expect(challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "RFC 7636 appendix B")
        let answer = try await client.auth.googleAuthURL(redirectURI: Self.redirectURI, codeChallenge: challenge)
        let items = try #require(URLComponents(string: answer.url)?.queryItems)
        #expect(items.first { $0.name == "code_challenge" }?.value == challenge)
        #expect(items.first { $0.name == "code_challenge_method" }?.value == "S256")
        let plain = try await client.auth.googleAuthURL(redirectURI: Self.redirectURI)
        #expect(!plain.url.contains("code_challenge"), "no challenge asked for, none sent")

        let claims = GoogleStandIn.Claims(subject: "google-pkce", email: "pkce@demo.edu")
        let session = try await client.auth.googleSignIn(
            code: google.issueCode(claims, redirectURI: Self.redirectURI, codeChallenge: challenge),
            redirectURI: Self.redirectURI, codeVerifier: verifier)
        #expect(session.user?.email == "pkce@demo.edu")
        // Another verifier, or none, for a code issued under a challenge: Google refuses the code.
        for wrong in [String(repeating: "a", count: 43), ""] {
            let refused = await AuthHarness.error { () async throws(RPCError) in
                try await client.auth.googleSignIn(
                    code: google.issueCode(claims, redirectURI: Self.redirectURI, codeChallenge: challenge),
                    redirectURI: Self.redirectURI, codeVerifier: wrong)
            }
            #expect(refused?.code == .unauthenticated && refused?.has(.googleCodeRejected) == true, "\(wrong)")
        }
        // Malformed values are the caller's mistake, refused before Google is asked.
        let shortChallenge = await AuthHarness.error { () async throws(RPCError) in
            try await client.auth.googleAuthURL(redirectURI: Self.redirectURI, codeChallenge: "abc")
        }
        #expect(shortChallenge?.code == .invalidArgument && shortChallenge?.details["field"] == "code_challenge")
        let badVerifier = await AuthHarness.error { () async throws(RPCError) in
            try await client.auth.googleSignIn(
                code: "4/x", redirectURI: Self.redirectURI, codeVerifier: String(repeating: "!", count: 50))
        }
        #expect(badVerifier?.code == .invalidArgument && badVerifier?.details["field"] == "code_verifier")
        await client.close()
        await harness.close()
    }

    @Test(
        "refused: wrong audience, expired token, bad signature, unverified email, wrong domain, reused code",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"))
    func refusals() async throws {
        guard let harness = try await AuthHarness.start(.sqlite, google: true), let google = harness.google else {
            return
        }
        let client = harness.client()
        func attempt(_ change: (inout GoogleStandIn.Claims) -> Void) async -> RPCError? {
            var claims = GoogleStandIn.Claims(subject: "sub-\(UUID().uuidString)", email: "mallory@demo.edu")
            change(&claims)
            let code = google.issueCode(claims, redirectURI: Self.redirectURI)
            return await AuthHarness.error { () async throws(RPCError) in
                try await client.auth.googleSignIn(code: code, redirectURI: Self.redirectURI)
            }
        }
        let wrongAudience = await attempt { $0.audience = "someone-else.apps.googleusercontent.com" }
        #expect(
            wrongAudience?.code == .unauthenticated && wrongAudience?.reason == "GOOGLE_TOKEN_INVALID",
            "\(String(describing: wrongAudience))")
        let expired = await attempt { $0.expiresInSeconds = -120 }
        #expect(expired?.reason == "GOOGLE_TOKEN_INVALID", "\(String(describing: expired))")
        let forged = await attempt { $0.forgeSignature = true }
        #expect(
            forged?.reason == "GOOGLE_TOKEN_INVALID" && forged?.message.contains("signature") == true,
            "\(String(describing: forged))")
        let wrongIssuer = await attempt { $0.issuer = "https://evil.example" }
        #expect(wrongIssuer?.reason == "GOOGLE_TOKEN_INVALID")
        let unverified = await attempt { $0.emailVerified = false }
        #expect(unverified?.code == .failedPrecondition && unverified?.reason == "GOOGLE_EMAIL_NOT_VERIFIED")
        let wrongDomain = await attempt { $0.email = "mallory@gmail.com" }
        #expect(wrongDomain?.code == .permissionDenied && wrongDomain?.reason == "EMAIL_DOMAIN_NOT_ALLOWED")
        let otherHostedDomain = await attempt {
            $0.email = "mallory@gmail.com"
            $0.hostedDomain = "evil.edu"
        }
        #expect(otherHostedDomain?.reason == "EMAIL_DOMAIN_NOT_ALLOWED")
        // A Workspace account of the university (hd) with an email alias elsewhere is accepted.
        let hosted = google.issueCode(
            {
                var c = GoogleStandIn.Claims(subject: "sub-hd", email: "ws@alias.example")
                c.hostedDomain = "demo.edu"
                return c
            }(),
            redirectURI: Self.redirectURI)
        #expect(
            try await client.auth.googleSignIn(code: hosted, redirectURI: Self.redirectURI).user?.email
                == "ws@alias.example")

        let code = google.issueCode(
            GoogleStandIn.Claims(subject: "sub-once", email: "once@demo.edu"), redirectURI: Self.redirectURI)
        _ = try await client.auth.googleSignIn(code: code, redirectURI: Self.redirectURI)
        let reused = await AuthHarness.error { () async throws(RPCError) in
            try await client.auth.googleSignIn(code: code, redirectURI: Self.redirectURI)
        }
        #expect(
            reused?.code == .unauthenticated && reused?.reason == "GOOGLE_CODE_REJECTED"
                && reused?.details["google_error"] == "invalid_grant")
        let none = await AuthHarness.error { () async throws(RPCError) in
            try await client.auth.googleSignIn(code: "", redirectURI: Self.redirectURI)
        }
        #expect(none?.code == .invalidArgument && none?.details["field"] == "code")
        #expect(
            try await harness.test.database.transaction {
                try $0.query("SELECT id FROM users WHERE email = 'mallory@demo.edu'").count
            } == 0)
        await client.close()
        await harness.close()
    }

    @Test(
        "key rotation: a token signed with a new key makes the server refetch the JWKS once, then it verifies",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"))
    func keyRotation() async throws {
        guard let harness = try await AuthHarness.start(.sqlite, google: true), let google = harness.google else {
            return
        }
        let client = harness.client()
        func signIn(_ subject: String) async throws -> SessionMessage {
            let code = google.issueCode(
                GoogleStandIn.Claims(subject: subject, email: "\(subject)@demo.edu"), redirectURI: Self.redirectURI)
            return try await client.auth.googleSignIn(code: code, redirectURI: Self.redirectURI)
        }
        _ = try await signIn("before")
        #expect(google.jwksFetches == 1)
        try await google.rotateKey()
        #expect(try await signIn("after").user?.email == "after@demo.edu")
        #expect(google.jwksFetches == 2, "the unknown kid triggered exactly one refetch")
        _ = try await signIn("later")
        #expect(google.jwksFetches == 2)
        // When the cached keys' max-age runs out they are fetched again without any unknown kid.
        google.setCacheMaxAge(seconds: 0)
        try await google.rotateKey()
        _ = try await signIn("zero-age")
        #expect(google.jwksFetches == 3)
        _ = try await signIn("zero-age-2")
        #expect(google.jwksFetches == 4, "max-age=0 means fetch every time")
        await client.close()
        await harness.close()
    }

    @Test(
        "without GOOGLE_CLIENT_ID, Google sign-in is FAILED_PRECONDITION with a clear reason",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"))
    func notConfigured() async throws {
        guard let harness = try await AuthHarness.start(.sqlite) else { return }
        let client = harness.client()
        let url = await AuthHarness.error { () async throws(RPCError) in
            try await client.auth.googleAuthURL(redirectURI: Self.redirectURI)
        }
        #expect(url?.code == .failedPrecondition && url?.reason == "GOOGLE_SIGN_IN_NOT_CONFIGURED")
        let signIn = await AuthHarness.error { () async throws(RPCError) in
            try await client.auth.googleSignIn(code: "4/x", redirectURI: Self.redirectURI)
        }
        #expect(signIn?.reason == "GOOGLE_SIGN_IN_NOT_CONFIGURED")
        await client.close()
        await harness.close()
    }
}
