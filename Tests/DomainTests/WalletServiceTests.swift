import Domain
import Testing

@Suite("WalletService on in-memory ports")
struct WalletServiceTests {
    @Test("sign-up grants the university's credits as system rows: the wallet equals its ledger")
    func grants() async throws {
        let world = try await DomainWorld.make()
        let student = try await world.signIn("new@demo.edu")
        let wallet = try await world.wallets.wallet(of: student)
        #expect(wallet.silver == world.demo.defaultSilver && wallet.gold == world.demo.defaultGold)
        let page = try await world.wallets.transactions(of: student, pageSize: 0, pageToken: "")
        #expect(page.entries.allSatisfy { $0.kind == .system && $0.status == .completed })
        #expect(page.entries.map(\.amount).reduce(0, +) == wallet.silver + wallet.gold)
        // A second sign-in grants nothing.
        _ = try await world.signIn("new@demo.edu")
        #expect(try await world.wallets.wallet(of: student).silver == world.demo.defaultSilver)
        #expect(try await world.audit().isClean)
    }

    @Test("top-ups: a university admin within their university, a platform admin anywhere, idempotent by key")
    func topUps() async throws {
        let world = try await DomainWorld.make()
        let other = try await world.universities.create(
            UniversityDraft(
                name: "Other", subdomain: "other", allowedDomains: ["other.edu"], defaultSilver: 1, defaultGold: 0))
        let student = try await world.signIn("s@demo.edu")
        let outsider = try await world.signIn("o@other.edu", tenant: "other")
        let admin = try await world.signIn("admin@demo.edu", role: .universityAdmin)
        let root = try await world.signIn("root@demo.edu", role: .platformAdmin)

        let topped = try await world.wallets.topUp(
            by: admin, userID: student.user.id, currency: "silver", amount: 5, reason: "prize", idempotencyKey: "t-1")
        #expect(topped.wallet.silver == world.demo.defaultSilver + 5 && topped.entry.kind == .topup)
        let again = try await world.wallets.topUp(
            by: admin, userID: student.user.id, currency: "silver", amount: 5, reason: "prize", idempotencyKey: "t-1")
        #expect(again.entry.id == topped.entry.id && again.wallet.silver == topped.wallet.silver)
        let reused = await domainError {
            _ = try await world.wallets.topUp(
                by: admin, userID: student.user.id, currency: "gold", amount: 5, reason: "", idempotencyKey: "t-1")
        }
        #expect(reused?.reason == "IDEMPOTENCY_KEY_REUSED")
        let otherReason = await domainError {
            _ = try await world.wallets.topUp(
                by: admin, userID: student.user.id, currency: "silver", amount: 5, reason: "another prize",
                idempotencyKey: "t-1")
        }
        #expect(
            otherReason?.reason == "IDEMPOTENCY_KEY_REUSED",
            "the same key with another reason is a mistake, not a retry")
        // Keys are the sender's: another admin's "t-1" is another top-up.
        let colleague = try await world.signIn("colleague@demo.edu", role: .universityAdmin)
        let theirs = try await world.wallets.topUp(
            by: colleague, userID: student.user.id, currency: "silver", amount: 5, reason: "prize",
            idempotencyKey: "t-1")
        #expect(theirs.entry.id != topped.entry.id && theirs.wallet.silver == topped.wallet.silver + 5)

        let crossing = await domainError {
            _ = try await world.wallets.topUp(
                by: admin, userID: outsider.user.id, currency: "silver", amount: 1, reason: "", idempotencyKey: nil)
        }
        #expect(crossing?.reason == "USER_NOT_FOUND", "a university admin cannot reach another university")
        let anywhere = try await world.wallets.topUp(
            by: root, userID: outsider.user.id, currency: "gold", amount: 3, reason: "", idempotencyKey: nil)
        #expect(anywhere.entry.universityID == other.id && anywhere.wallet.gold == 3)
        #expect(anywhere.entry.metadata.contains(root.user.id))

        // By email: a student of the admin's own university, found by their normalized address.
        let byEmail = try await world.wallets.topUp(
            by: admin, userID: "", email: " S@Demo.edu ", currency: "silver", amount: 2, reason: "by email",
            idempotencyKey: nil)
        #expect(byEmail.entry.userID == student.user.id && byEmail.wallet.silver == theirs.wallet.silver + 2)
        let elsewhere = await domainError {
            _ = try await world.wallets.topUp(
                by: root, userID: "", email: "o@other.edu", currency: "silver", amount: 1, reason: "",
                idempotencyKey: nil)
        }
        #expect(elsewhere?.reason == "USER_NOT_FOUND", "an email names a student of the caller's university only")
        for (userID, email, field) in [
            ("", "", "user_id"), (student.user.id, "s@demo.edu", "email"), ("", "nope", "email"),
        ] {
            let bad = await domainError {
                _ = try await world.wallets.topUp(
                    by: admin, userID: userID, email: email, currency: "silver", amount: 1, reason: "",
                    idempotencyKey: nil)
            }
            #expect(bad?.details["field"] == field, "\(userID) \(email)")
        }

        for (currency, amount, field) in [
            ("copper", Int64(1), "currency"), ("silver", 0, "amount"), ("silver", 1_000_001, "amount"),
        ] {
            let bad = await domainError {
                _ = try await world.wallets.topUp(
                    by: admin, userID: student.user.id, currency: currency, amount: amount, reason: "",
                    idempotencyKey: nil)
            }
            #expect(bad?.details["field"] == field)
        }
        #expect(try await world.audit().isClean)
    }

    @Test("ledger pages are newest first and end with an empty token")
    func pages() async throws {
        let world = try await DomainWorld.make()
        let student = try await world.signIn("pages@demo.edu")
        let admin = try await world.signIn("a@demo.edu", role: .universityAdmin)
        for n in 1...5 {
            world.clock.advance(seconds: 1)
            _ = try await world.wallets.topUp(
                by: admin, userID: student.user.id, currency: "silver", amount: Int64(n), reason: "",
                idempotencyKey: nil)
        }
        var seen: [Int64] = []
        var token = ""
        repeat {
            let page = try await world.wallets.transactions(of: student, pageSize: 2, pageToken: token)
            seen += page.entries.map(\.amount)
            token = page.next
        } while !token.isEmpty
        #expect(Array(seen.prefix(5)) == [5, 4, 3, 2, 1])
        let bad = await domainError {
            _ = try await world.wallets.transactions(of: student, pageSize: 2, pageToken: "nope")
        }
        #expect(bad?.reason == "INVALID_PAGE_TOKEN")
    }
}

@Suite("The ledger audit's rules")
struct LedgerAuditRulesTests {
    @Test(
        "a wallet off its ledger, a failed paid run without its refund, and a refund of a run that did not fail are offenders"
    )
    func offenders() {
        let wallet = Wallet(silver: 5, gold: 1, updatedAtUnix: 0)
        let figures = LedgerAuditFigures(
            wallets: [
                .init(userID: "ok", universityID: UniversityID("u"), wallet: wallet, ledgerSilver: 5, ledgerGold: 1),
                .init(userID: "off", universityID: UniversityID("u"), wallet: wallet, ledgerSilver: 4, ledgerGold: 1),
            ],
            runs: [
                .init(id: "refunded", status: .failed, costAmount: 2, refunds: 1),
                .init(id: "free", status: .failed, costAmount: 0, refunds: 0),
                .init(id: "unrefunded", status: .failed, costAmount: 2, refunds: 0),
                .init(id: "twice", status: .failed, costAmount: 2, refunds: 2),
                .init(id: "succeeded", status: .succeeded, costAmount: 2, refunds: 1),
            ])
        let report = LedgerAudit.check(figures)
        #expect(report.walletsChecked == 2 && report.failedRunsChecked == 4)
        #expect(report.offenders.count == 4)
        for name in ["wallet off", "unrefunded", "twice", "succeeded"] {
            #expect(report.offenders.contains { $0.contains(name) }, "\(name)")
        }
    }
}
