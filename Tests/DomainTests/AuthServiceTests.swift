import Domain
import Testing

@Suite("AuthService on in-memory ports")
struct AuthServiceTests {
    @Test("one mailbox, one account: ada+cv@ signs in as ada@, the code goes to the mailbox, no second wallet")
    func subaddressesAreOneAccount() async throws {
        let world = try await DomainWorld.make()
        let first = try await world.signIn("ada@demo.edu")
        _ = try await world.auth.requestEmailOtp(email: "Ada+CV@demo.edu", tenant: "demo", clientAddress: "203.0.113.1")
        let mail = try #require(world.mailer.sent.last)
        #expect(mail.to == "ada@demo.edu")
        let session = try await world.auth.verifyEmailOtp(email: "ada+cv@demo.edu", code: mail.code, tenant: "demo")
        #expect(session.user.id == first.user.id && session.user.email == "ada@demo.edu")
    }

    @Test(
        "a mailed code signs in once: the user is created verified, only hashes are kept, a reused code is OTP_EXPIRED")
    func codeSignsInOnce() async throws {
        let world = try await DomainWorld.make()
        _ = try await world.auth.requestEmailOtp(email: "Ada@Demo.edu", tenant: "demo", clientAddress: nil)
        let mail = try #require(world.mailer.sent.last)
        #expect(mail.to == "ada@demo.edu" && mail.code.count == 6 && mail.code.allSatisfy(\.isNumber))
        #expect(world.store.snapshot.otps.allSatisfy { !$0.codeHash.contains(mail.code) })
        let session = try await world.auth.verifyEmailOtp(email: "ada@demo.edu", code: mail.code, tenant: "demo")
        #expect(session.user.emailVerified && session.user.email == "ada@demo.edu")
        #expect(world.store.snapshot.sessions.keys.allSatisfy { $0 != session.token })
        let again = await domainError {
            _ = try await world.auth.verifyEmailOtp(email: "ada@demo.edu", code: mail.code, tenant: "demo")
        }
        #expect(again?.reason == "OTP_EXPIRED")
    }

    @Test("wrong codes count down, five burn the code; a code expires with the clock")
    func wrongAndExpired() async throws {
        let world = try await DomainWorld.make()
        _ = try await world.auth.requestEmailOtp(email: "w@demo.edu", tenant: "demo", clientAddress: nil)
        let code = try #require(world.mailer.sent.last?.code)
        let wrong = code == "000000" ? "111111" : "000000"
        for left in [4, 3, 2, 1] {
            let error = await domainError {
                _ = try await world.auth.verifyEmailOtp(email: "w@demo.edu", code: wrong, tenant: "demo")
            }
            #expect(error?.reason == "OTP_INVALID" && error?.details["attempts_left"] == "\(left)")
        }
        let fifth = await domainError {
            _ = try await world.auth.verifyEmailOtp(email: "w@demo.edu", code: wrong, tenant: "demo")
        }
        #expect(fifth?.reason == "OTP_TOO_MANY_ATTEMPTS")
        let burnt = await domainError {
            _ = try await world.auth.verifyEmailOtp(email: "w@demo.edu", code: code, tenant: "demo")
        }
        #expect(burnt?.reason == "OTP_TOO_MANY_ATTEMPTS", "the right code after five wrong tries is refused")

        world.clock.advance(seconds: 3600)
        _ = try await world.auth.requestEmailOtp(email: "late@demo.edu", tenant: "demo", clientAddress: nil)
        let late = try #require(world.mailer.sent.last?.code)
        world.clock.advance(seconds: AuthSettings().otpTTL.wholeSeconds + 1)
        let expired = await domainError {
            _ = try await world.auth.verifyEmailOtp(email: "late@demo.edu", code: late, tenant: "demo")
        }
        #expect(expired?.reason == "OTP_EXPIRED")
    }

    @Test("limits: a resend cooldown per email, an hourly cap per address; other universities' domains are refused")
    func limits() async throws {
        var settings = AuthSettings()
        // Every request from an address counts, the refused one too: 1 + 1 + 2 reach the cap of 4.
        settings.otpMaxPerAddressPerHour = 4
        let world = try await DomainWorld.make(settings: settings)
        _ = try await world.auth.requestEmailOtp(email: "c@demo.edu", tenant: "demo", clientAddress: "198.51.100.1")
        let soon = await domainError {
            _ = try await world.auth.requestEmailOtp(email: "c@demo.edu", tenant: "demo", clientAddress: "198.51.100.1")
        }
        #expect(soon?.reason == "OTP_RESEND_TOO_SOON" && soon?.details["retry_after_s"] == "60")
        for n in 1...2 {
            _ = try await world.auth.requestEmailOtp(
                email: "c\(n)@demo.edu", tenant: "demo", clientAddress: "198.51.100.1")
        }
        let capped = await domainError {
            _ = try await world.auth.requestEmailOtp(
                email: "c9@demo.edu", tenant: "demo", clientAddress: "198.51.100.1")
        }
        #expect(capped?.reason == "TOO_MANY_CODE_REQUESTS")
        let domain = await domainError {
            _ = try await world.auth.requestEmailOtp(email: "x@gmail.com", tenant: "demo", clientAddress: nil)
        }
        #expect(domain?.reason == "EMAIL_DOMAIN_NOT_ALLOWED")
        let malformed = await domainError {
            _ = try await world.auth.requestEmailOtp(email: "not an email", tenant: "demo", clientAddress: nil)
        }
        #expect(malformed?.reason == "INVALID_EMAIL")
    }

    @Test("sessions: the token works for its own tenant only, expires, and sign-out revokes it")
    func sessions() async throws {
        let world = try await DomainWorld.make()
        _ = try await world.universities.create(
            UniversityDraft(
                name: "Other", subdomain: "other", allowedDomains: ["other.edu"], defaultSilver: 0, defaultGold: 0))
        _ = try await world.auth.requestEmailOtp(email: "t@demo.edu", tenant: "demo", clientAddress: nil)
        let session = try await world.auth.verifyEmailOtp(
            email: "t@demo.edu", code: try #require(world.mailer.sent.last?.code), tenant: "demo")
        let bearer = "Bearer \(session.token)"
        #expect(try await world.auth.authenticate(authorization: bearer, tenant: "demo")?.user.id == session.user.id)
        #expect(try await world.auth.authenticate(authorization: nil, tenant: "demo") == nil)
        let mismatch = await domainError {
            _ = try await world.auth.authenticate(authorization: bearer, tenant: "other")
        }
        #expect(mismatch?.reason == "TENANT_MISMATCH")
        let garbage = await domainError {
            _ = try await world.auth.authenticate(authorization: "Bearer cai_nope", tenant: "demo")
        }
        #expect(garbage?.reason == "SESSION_INVALID")
        let principal = try #require(try await world.auth.authenticate(authorization: bearer, tenant: "demo"))
        try await world.auth.signOut(principal)
        // Its own sign-out is seen at once, whatever the session cache holds.
        let revoked = await domainError { _ = try await world.auth.authenticate(authorization: bearer, tenant: "demo") }
        #expect(revoked?.reason == "SESSION_INVALID")
    }
}
