import Client
import Contract
import Domain
import Foundation
import RPCCore
import TestSupport
import Testing
import Wire

@Suite("Email one-time codes over RPC, mailed through a real SMTP server, on both engines")
struct EmailOtpTests {
    @Test(
        "the whole code flow through the client library: mail, verify, user with starting credits, GetMe",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func codeFlow(_ engine: Engine) async throws {
        guard let harness = try await AuthHarness.start(engine) else { return }
        let client = harness.client()
        let sent = try await client.auth.requestEmailOtp(email: "Ada@Demo.edu")
        #expect(sent.expiresInS == 600 && sent.resendAfterS == 60)
        let mail = try await harness.smtp.waitForMail(to: "ada@demo.edu")
        #expect(mail.raw.contains("From: CareerAI <no-reply@careerai.test>"))
        #expect(
            mail.raw.contains("Content-Type: text/plain; charset=utf-8")
                && mail.raw.contains("Content-Type: text/html; charset=utf-8"))
        let code = try #require(mail.code)
        #expect(mail.raw.components(separatedBy: code).count >= 4, "the code is in the subject, the text and the HTML")
        #expect(mail.raw.contains("Demo University"))

        let session = try await client.auth.verifyEmailOtp(email: "ada@demo.edu", code: code)
        let user = try #require(session.user)
        #expect(session.token.hasPrefix("cai_") && session.token.count >= 40)
        #expect(session.expiresAtUnix == harness.clock.nowUnix + 30 * 24 * 3600)
        #expect(
            user.email == "ada@demo.edu" && user.emailVerified && user.role == "student" && !user.isPro
                && user.googleID.isEmpty)
        let demo = try await client.universities.current()
        #expect(user.universityID == demo.id)

        // The starting credits are in the wallet and explained by the ledger (one system row each).
        let money = try await harness.walletAndLedger(userID: user.id)
        #expect(
            money.silver == 10 && money.gold == 2 && money.ledgerSilver == 10 && money.ledgerGold == 2
                && money.ledgerRows == 2)

        let signedIn = harness.client(token: session.token)
        #expect(try await signedIn.auth.me() == user)

        // A second sign-in finds the same user and grants nothing again.
        harness.clock.advance(seconds: 61)
        let again = try await harness.signIn("ada@demo.edu")
        #expect(again.user?.id == user.id && again.token != session.token)
        let after = try await harness.walletAndLedger(userID: user.id)
        #expect(after.ledgerRows == 2 && after.silver == 10)

        // Codes and tokens are stored only as hashes.
        let stored = try await harness.test.database.transaction { connection in
            (
                try connection.query("SELECT code_hash FROM otp_requests").map { try $0.text("code_hash") },
                try connection.query("SELECT token_hash FROM sessions").map { try $0.text("token_hash") }
            )
        }
        #expect(!stored.0.isEmpty && stored.0.allSatisfy { $0.count == 64 && !$0.contains(code) })
        #expect(
            stored.1.count == 2 && !stored.1.contains(session.token)
                && !stored.1.contains(where: { session.token.contains($0) }))
        await signedIn.close()
        await client.close()
        await harness.close()
    }

    @Test(
        "a code expires after ten minutes (moved clock) and a used code does not work twice",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable
    )
    func expiry(_ engine: Engine) async throws {
        guard let harness = try await AuthHarness.start(engine) else { return }
        let client = harness.client()
        _ = try await client.auth.requestEmailOtp(email: "late@demo.edu")
        let code = try await harness.code(to: "late@demo.edu", count: 1)
        harness.clock.advance(seconds: 600)
        let expired = await AuthHarness.error { () async throws(RPCError) in
            try await client.auth.verifyEmailOtp(email: "late@demo.edu", code: code)
        }
        #expect(expired?.code == .unauthenticated && expired?.reason == "OTP_EXPIRED", "\(String(describing: expired))")

        harness.clock.advance(seconds: 60)
        _ = try await client.auth.requestEmailOtp(email: "late@demo.edu")
        let fresh = try await harness.code(to: "late@demo.edu", count: 2)
        harness.clock.advance(seconds: 599)
        _ = try await client.auth.verifyEmailOtp(email: "late@demo.edu", code: fresh)
        let reused = await AuthHarness.error { () async throws(RPCError) in
            try await client.auth.verifyEmailOtp(email: "late@demo.edu", code: fresh)
        }
        #expect(reused?.reason == "OTP_EXPIRED")
        await client.close()
        await harness.close()
    }

    @Test(
        "five wrong tries burn the code, counting down attempts_left",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func fiveWrongTries(_ engine: Engine) async throws {
        guard let harness = try await AuthHarness.start(engine) else { return }
        let client = harness.client()
        _ = try await client.auth.requestEmailOtp(email: "guess@demo.edu")
        let code = try await harness.code(to: "guess@demo.edu", count: 1)
        let wrong = code == "000000" ? "000001" : "000000"
        for left in (1...4).reversed() {
            let error = await AuthHarness.error { () async throws(RPCError) in
                try await client.auth.verifyEmailOtp(email: "guess@demo.edu", code: wrong)
            }
            #expect(
                error?.code == .unauthenticated && error?.reason == "OTP_INVALID"
                    && error?.details["attempts_left"] == "\(left)",
                "\(String(describing: error))")
        }
        let fifth = await AuthHarness.error { () async throws(RPCError) in
            try await client.auth.verifyEmailOtp(email: "guess@demo.edu", code: wrong)
        }
        #expect(
            fifth?.code == .resourceExhausted && fifth?.reason == "OTP_TOO_MANY_ATTEMPTS"
                && fifth?.details["attempts_left"] == "0")
        let right = await AuthHarness.error { () async throws(RPCError) in
            try await client.auth.verifyEmailOtp(email: "guess@demo.edu", code: code)
        }
        #expect(right?.reason == "OTP_TOO_MANY_ATTEMPTS", "the right code no longer works once burned")
        // A malformed code costs no try.
        let malformed = await AuthHarness.error { () async throws(RPCError) in
            try await client.auth.verifyEmailOtp(email: "guess@demo.edu", code: "12ab")
        }
        #expect(malformed?.code == .invalidArgument && malformed?.details["field"] == "code")
        await client.close()
        await harness.close()
    }

    @Test(
        "resend cooldown, hourly cap and a new code replacing the old one",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func resendLimits(_ engine: Engine) async throws {
        guard let harness = try await AuthHarness.start(engine) else { return }
        let client = harness.client()
        let email = "busy@demo.edu"
        _ = try await client.auth.requestEmailOtp(email: email)
        harness.clock.advance(seconds: 20)
        let tooSoon = await AuthHarness.error { () async throws(RPCError) in
            try await client.auth.requestEmailOtp(email: email)
        }
        #expect(
            tooSoon?.code == .resourceExhausted && tooSoon?.reason == "OTP_RESEND_TOO_SOON"
                && tooSoon?.details["retry_after_s"] == "40",
            "\(String(describing: tooSoon))")
        for _ in 2...5 {
            harness.clock.advance(seconds: 60)
            _ = try await client.auth.requestEmailOtp(email: email)
        }
        // Five codes since the first, 260 s ago: the sixth waits until the first is an hour old.
        harness.clock.advance(seconds: 60)
        let capped = await AuthHarness.error { () async throws(RPCError) in
            try await client.auth.requestEmailOtp(email: email)
        }
        #expect(
            capped?.reason == "OTP_HOURLY_LIMIT" && capped?.details["retry_after_s"] == "\(3600 - 320)",
            "\(String(describing: capped))")
        #expect(harness.smtp.mails(to: email).count == 5, "refused requests send nothing")

        // The newest code replaced the earlier ones.
        let fourth = try await harness.code(to: email, count: 4)
        let fifth = try await harness.code(to: email, count: 5)
        if fourth != fifth {
            let old = await AuthHarness.error { () async throws(RPCError) in
                try await client.auth.verifyEmailOtp(email: email, code: fourth)
            }
            #expect(old?.reason == "OTP_INVALID")
        }
        harness.clock.advance(seconds: 3600 - 320)
        _ = try await client.auth.requestEmailOtp(email: email)
        let latest = try await harness.code(to: email, count: 6)
        #expect(try await client.auth.verifyEmailOtp(email: email, code: latest).user?.email == email)
        await client.close()
        await harness.close()
    }

    @Test(
        "per-address limit on the TCP peer; x-forwarded-for counts only from a trusted REST adapter",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"))
    func perAddressLimit() async throws {
        guard
            let harness = try await AuthHarness.start(
                .sqlite,
                environment: [
                    "CAREERAI_OTP_MAX_PER_ADDRESS_PER_HOUR": "3", "CAREERAI_OTP_RESEND_COOLDOWN_S": "0",
                ])
        else { return }
        let client = harness.client()
        for n in 1...3 { _ = try await client.auth.requestEmailOtp(email: "s\(n)@demo.edu") }
        let limited = await AuthHarness.error { () async throws(RPCError) in
            try await client.auth.requestEmailOtp(email: "s4@demo.edu")
        }
        #expect(limited?.code == .resourceExhausted && limited?.reason == "TOO_MANY_CODE_REQUESTS")
        let retryAfter = Int(limited?.details["retry_after_s"] ?? "") ?? 0
        #expect(
            (1_201...4_800).contains(retryAfter),
            "the rest of this hour-window, then a third of the next (3 an hour): \(retryAfter) s")
        // Not a trusted proxy: a forged x-forwarded-for changes nothing.
        let forged = await AuthHarness.error { () async throws(RPCError) in
            try await client.unary(
                Methods.AuthService.requestEmailOtp, RequestEmailOtpRequest(email: "s5@demo.edu"),
                metadata: ["x-forwarded-for": "203.0.113.9"]) as RequestEmailOtpResponse
        }
        #expect(forged?.reason == "TOO_MANY_CODE_REQUESTS")
        await client.close()
        await harness.close()

        guard
            let trusted = try await AuthHarness.start(
                .sqlite,
                environment: [
                    "CAREERAI_OTP_MAX_PER_ADDRESS_PER_HOUR": "1", "CAREERAI_TRUSTED_PROXIES": "127.0.0.1",
                ])
        else { return }
        let adapter = trusted.client()
        func request(_ email: String, from browser: String) async throws(RPCError) -> RequestEmailOtpResponse {
            try await adapter.unary(
                Methods.AuthService.requestEmailOtp, RequestEmailOtpRequest(email: email),
                metadata: ["x-forwarded-for": "198.51.100.7, \(browser)"])
        }
        _ = try await request("b1@demo.edu", from: "203.0.113.1")
        _ = try await request("b2@demo.edu", from: "203.0.113.2")
        let again = await AuthHarness.error { () async throws(RPCError) in
            try await request("b3@demo.edu", from: "203.0.113.1")
        }
        #expect(
            again?.reason == "TOO_MANY_CODE_REQUESTS", "the address the adapter saw (the last entry) is what counts")
        await adapter.close()
        await trusted.close()
    }

    @Test(
        "a domain the university does not allow, and malformed emails, are refused before anything is sent",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func domainNotAllowed(_ engine: Engine) async throws {
        guard let harness = try await AuthHarness.start(engine) else { return }
        let client = harness.client()
        let denied = await AuthHarness.error { () async throws(RPCError) in
            try await client.auth.requestEmailOtp(email: "eve@gmail.com")
        }
        #expect(denied?.code == .permissionDenied && denied?.reason == "EMAIL_DOMAIN_NOT_ALLOWED")
        let lookalike = await AuthHarness.error { () async throws(RPCError) in
            try await client.auth.requestEmailOtp(email: "eve@evildemo.edu")
        }
        #expect(lookalike?.reason == "EMAIL_DOMAIN_NOT_ALLOWED")
        let verify = await AuthHarness.error { () async throws(RPCError) in
            try await client.auth.verifyEmailOtp(email: "eve@gmail.com", code: "123456")
        }
        #expect(verify?.reason == "EMAIL_DOMAIN_NOT_ALLOWED")
        for bad in [
            "", "no-at-sign", "a@b@demo.edu", "sp ace@demo.edu", String(repeating: "x", count: 250) + "@demo.edu",
            "a@-demo.edu",
        ] {
            let error = await AuthHarness.error { () async throws(RPCError) in
                try await client.auth.requestEmailOtp(email: bad)
            }
            #expect(
                error?.code == .invalidArgument && error?.details["field"] == "email",
                "\(bad.prefix(20)): \(String(describing: error))")
        }
        let noTenant = await AuthHarness.error { () async throws(RPCError) in
            try await harness.client(tenant: nil).auth.requestEmailOtp(email: "a@demo.edu")
        }
        #expect(noTenant?.reason == "TENANT_REQUIRED")
        #expect(harness.smtp.mails(to: "eve@gmail.com").isEmpty)
        await client.close()
        await harness.close()
    }

    @Test(
        "known and unknown emails get the same answers",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func sameAnswerShape(_ engine: Engine) async throws {
        guard let harness = try await AuthHarness.start(engine) else { return }
        _ = try await harness.signIn("known@demo.edu")
        harness.clock.advance(seconds: 61)
        let client = harness.client()
        let known = try await client.auth.requestEmailOtp(email: "known@demo.edu")
        let unknown = try await client.auth.requestEmailOtp(email: "stranger@demo.edu")
        #expect(known == unknown)
        #expect(
            try await harness.smtp.waitForMail(to: "stranger@demo.edu").code != nil,
            "a stranger gets a code too: the first sign-in creates them")
        let wrongKnown = await AuthHarness.error { () async throws(RPCError) in
            try await client.auth.verifyEmailOtp(email: "known@demo.edu", code: "999999")
        }
        let wrongUnknown = await AuthHarness.error { () async throws(RPCError) in
            try await client.auth.verifyEmailOtp(email: "stranger@demo.edu", code: "999999")
        }
        let none = await AuthHarness.error { () async throws(RPCError) in
            try await client.auth.verifyEmailOtp(email: "never@demo.edu", code: "999999")
        }
        #expect(
            wrongKnown?.code == wrongUnknown?.code && wrongKnown?.reason == wrongUnknown?.reason
                && wrongKnown?.details == wrongUnknown?.details && wrongKnown?.message == wrongUnknown?.message)
        #expect(none?.code == .unauthenticated)
        await client.close()
        await harness.close()
    }

    @Test(
        "two verifications of one code at once: exactly one session",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func concurrentVerify(_ engine: Engine) async throws {
        guard let harness = try await AuthHarness.start(engine) else { return }
        let client = harness.client()
        _ = try await client.auth.requestEmailOtp(email: "race@demo.edu")
        let code = try await harness.code(to: "race@demo.edu", count: 1)
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask { (try? await client.auth.verifyEmailOtp(email: "race@demo.edu", code: code)) != nil }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        let users = try await harness.test.database.transaction {
            try $0.query("SELECT id FROM users WHERE email = 'race@demo.edu'").count
        }
        #expect(users == 1)
        await client.close()
        await harness.close()
    }

    @Test(
        "ten code requests for one email at once: exactly one code is made and mailed, the rest wait out the cooldown",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func concurrentRequests(_ engine: Engine) async throws {
        guard let harness = try await AuthHarness.start(engine) else { return }
        let client = harness.client()
        let reasons = await withTaskGroup(of: String.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    do {
                        _ = try await client.auth.requestEmailOtp(email: "rush@demo.edu")
                        return "SENT"
                    } catch {
                        return (error as? RPCError).map(\.reason) ?? "\(error)"
                    }
                }
            }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(reasons.filter { $0 == "SENT" }.count == 1, "\(reasons)")
        #expect(reasons.filter { $0 == "OTP_RESEND_TOO_SOON" }.count == 9, "\(reasons)")
        let codes = try await harness.test.database.transaction {
            try $0.query("SELECT id FROM otp_requests WHERE email = 'rush@demo.edu'").count
        }
        #expect(codes == 1)
        _ = try await harness.smtp.waitForMail(to: "rush@demo.edu")
        #expect(harness.smtp.mails(to: "rush@demo.edu").count == 1)
        await client.close()
        await harness.close()
    }

    @Test(
        "an SMTP server that cannot be reached is UNAVAILABLE (MAIL_UNAVAILABLE), not a hang or a crash",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"))
    func smtpDown() async throws {
        let closed = try ClosedPort()
        guard
            let harness = try await AuthHarness.start(
                .sqlite, environment: ["CAREERAI_SMTP_URL": "smtp://127.0.0.1:\(closed.port)"])
        else { return }
        let client = harness.client()
        let error = await AuthHarness.error { () async throws(RPCError) in
            try await client.auth.requestEmailOtp(email: "x@demo.edu")
        }
        #expect(error?.code == .unavailable && error?.reason == "MAIL_UNAVAILABLE", "\(String(describing: error))")
        await client.close()
        await harness.close()
        withExtendedLifetime(closed) {}
    }
}
