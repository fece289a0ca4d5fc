import Client
import Contract
import Domain
import Foundation
import RPCCore
import ServerApp
import Storage
import TestSupport
import Testing
import Wire

/// careerai-server in-process on one engine, mailing through a real SMTP server (aiosmtpd) and, when
/// asked, signing in with Google through the local stand-in; its clock moved by the test.
struct AuthHarness {
    let test: TestDatabase
    let server: RuntimeUnderTest
    let smtp: SMTPStandIn
    let google: GoogleStandIn?
    let clock: ManualWallClock

    /// Nil when a stand-in is not available here (outside CI).
    static func start(_ engine: Engine, google useGoogle: Bool = false, environment: [String: String] = [:])
        async throws -> AuthHarness?
    {
        guard let test = try await TestDatabase.make(engine) else { return nil }
        guard let smtp = try await SMTPStandIn.start() else {
            await test.close()
            return nil
        }
        let google = useGoogle ? try await GoogleStandIn.start() : nil
        // Two runs at a time per server: each Job Pack renders a PDF (a WeasyPrint process), and the
        // suite runs many servers at once on a small machine.
        var values = [
            "CAREERAI_SMTP_URL": smtp.url, "CAREERAI_MAIL_FROM": "no-reply@careerai.test",
            "CAREERAI_WORKER_CONCURRENCY": "2",
        ]
        values.merge(google?.serverEnvironment ?? [:]) { _, new in new }
        values.merge(environment) { _, new in new }
        let clock = ManualWallClock()
        let server = try await RuntimeUnderTest.start(databaseURL: test.url, environment: values, clock: clock)
        return AuthHarness(test: test, server: server, smtp: smtp, google: google, clock: clock)
    }

    func client(tenant: String? = "demo", token: String? = nil) -> CareerAIClient {
        server.client(tenant: tenant, token: token)
    }

    /// Requests a code for `email`, reads it from the mail, and verifies it.
    func signIn(_ email: String, tenant: String = "demo") async throws -> SessionMessage {
        let client = self.client(tenant: tenant)
        defer { Task { await client.close() } }
        let before = smtp.mails(to: email).count
        _ = try await client.auth.requestEmailOtp(email: email)
        let mail = try await smtp.waitForMail(to: email, count: before + 1)
        let code = try #require(mail.code)
        return try await client.auth.verifyEmailOtp(email: email, code: code)
    }

    /// The code of the `count`-th mail to `email`.
    func code(to email: String, count: Int) async throws -> String {
        try #require(try await smtp.waitForMail(to: email, count: count).code)
    }

    func close() async {
        await server.runtime.shutdown()
        smtp.stop()
        await google?.stop()
        await test.close()
    }

    /// Runs `call` and returns the RPCError it threw; records an issue when it succeeded.
    static func error<T>(_ call: () async throws(RPCError) -> T, sourceLocation: SourceLocation = #_sourceLocation)
        async -> RPCError?
    {
        do {
            _ = try await call()
            Issue.record("the call succeeded", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    /// Wallet balance and the sum of its ledger, per currency, straight from the database.
    func walletAndLedger(userID: String) async throws -> (
        silver: Int64, gold: Int64, ledgerSilver: Int64, ledgerGold: Int64, ledgerRows: Int
    ) {
        try await test.database.transaction { connection in
            let wallet = try connection.query(
                "SELECT silver, gold FROM credit_wallets WHERE user_id = $1", [.text(userID)])
            let ledger = try connection.query(
                "SELECT currency, amount, type FROM credit_transactions WHERE user_id = $1", [.text(userID)])
            var silver: Int64 = 0
            var gold: Int64 = 0
            for row in ledger {
                if try row.text("currency") == "silver" {
                    silver += try row.integer("amount")
                } else {
                    gold += try row.integer("amount")
                }
            }
            guard let first = wallet.first else { return (-1, -1, silver, gold, ledger.count) }
            return (try first.integer("silver"), try first.integer("gold"), silver, gold, ledger.count)
        }
    }
}
