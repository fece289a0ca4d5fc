import Foundation
import TestSupport
import Testing

@Suite("careerai login/me/logout and careerai-server user promote, as real processes")
struct CLIAuthTests {
    @Test(
        "sign in with a mailed code at the prompt, token stored 0600, promote, sign out",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"))
    func loginMePromoteLogout() async throws {
        guard let smtp = try await SMTPStandIn.start() else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "careerai-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let databaseURL = "sqlite:\(directory.appendingPathComponent("careerai.db").path)"
        let server = try await ServerProcess.start(environment: [
            "CAREERAI_DATABASE_URL": databaseURL, "CAREERAI_SMTP_URL": smtp.url,
            "CAREERAI_MAIL_FROM": "no-reply@careerai.test",
        ])
        let cli = ["XDG_CONFIG_HOME": directory.appendingPathComponent("config").path]
        let global = ["--server", server.target, "--tenant", "demo"]

        let login = try await Executables.run(
            "careerai", ["login", "--email", "cli@demo.edu"] + global, environment: cli
        ) { stdin, _ in
            let code = try #require(try await smtp.waitForMail(to: "cli@demo.edu").code)
            let wrong = code == "000000" ? "000001" : "000000"
            stdin.write(Data("\(wrong)\n\(code)\n".utf8))  // a typo first: the prompt asks again
        }
        #expect(login.status == 0, "\(login.stderr)")
        #expect(login.stdout.hasPrefix("Signed in as cli@demo.edu at demo until "), "\(login.stdout)")
        #expect(login.stderr.contains("the code is not right; 4 tries left"))

        let credentials = directory.appendingPathComponent("config/careerai/credentials")
        let attributes = try FileManager.default.attributesOfItem(atPath: credentials.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let folder = try FileManager.default.attributesOfItem(atPath: credentials.deletingLastPathComponent().path)
        #expect((folder[.posixPermissions] as? Int) == 0o700)
        let stored = try String(contentsOf: credentials, encoding: .utf8)
        #expect(stored.contains("\"\(server.target)|demo\"") && stored.contains("cai_"))

        let me = try await Executables.run("careerai", ["me", "--json"] + global, environment: cli)
        #expect(me.status == 0, "\(me.stderr)")
        let user = try JSONSerialization.jsonObject(with: Data(me.stdout.utf8)) as? [String: Any]
        #expect(
            user?["email"] as? String == "cli@demo.edu" && user?["role"] as? String == "student"
                && user?["email_verified"] as? Bool == true)

        let promote = try await Executables.run(
            "careerai-server", ["user", "promote", "--email", "CLI@demo.edu", "--role", "university_admin"],
            environment: ["CAREERAI_DATABASE_URL": databaseURL])
        #expect(
            promote.status == 0 && promote.stdout == "cli@demo.edu at demo is now university_admin (was student)\n",
            "\(promote.stdout)\(promote.stderr)")
        // The server trusts a session it looked up for CAREERAI_SESSION_CACHE_MS (1 s): the new role shows within it.
        var promoted = try await Executables.run("careerai", ["me"] + global, environment: cli)
        for _ in 0..<30 where !promoted.stdout.contains("role: university_admin") {
            try await Task.sleep(for: .milliseconds(100))
            promoted = try await Executables.run("careerai", ["me"] + global, environment: cli)
        }
        #expect(promoted.stdout.contains("role: university_admin"), "\(promoted.stdout)")
        let unknown = try await Executables.run(
            "careerai-server", ["user", "promote", "--email", "nobody@demo.edu", "--role", "platform_admin"],
            environment: ["CAREERAI_DATABASE_URL": databaseURL])
        #expect(
            unknown.status == 1 && unknown.stderr.split(separator: "\n").count == 1
                && unknown.stderr.contains("must sign in once first"))
        let badRole = try await Executables.run(
            "careerai-server", ["user", "promote", "--email", "cli@demo.edu", "--role", "king"],
            environment: ["CAREERAI_DATABASE_URL": databaseURL])
        #expect(badRole.status != 0 && badRole.stderr.contains("--role must be one of"))

        // Credits and runs from the CLI (embedded queue, in-process MOCK worker).
        let wallet = try await Executables.run("careerai", ["wallet"] + global, environment: cli)
        #expect(wallet.status == 0 && wallet.stdout == "10 silver, 2 gold\n", "\(wallet.stdout)\(wallet.stderr)")
        let jd = directory.appendingPathComponent("jd.txt")
        let resume = directory.appendingPathComponent("resume.txt")
        try "Analyse data with SQL.".write(to: jd, atomically: true, encoding: .utf8)
        try RunsTests.jobPack().resumeText.write(to: resume, atomically: true, encoding: .utf8)
        let started = try await Executables.run(
            "careerai",
            [
                "run", "job-pack", "--title", "Analyst", "--company", "Acme", "--jd", jd.path,
                "--resume", resume.path, "--wait", "--json",
            ] + global, environment: cli)
        #expect(started.status == 0, "\(started.stderr)")
        let run = try JSONSerialization.jsonObject(with: Data(started.stdout.utf8)) as? [String: Any]
        #expect(run?["status"] as? String == "succeeded" && (run?["result_json"] as? String)?.contains("Acme") == true)
        let runID = try #require(run?["id"] as? String)
        let shown = try await Executables.run("careerai", ["run", "get", runID] + global, environment: cli)
        #expect(
            shown.status == 0 && shown.stdout.hasPrefix("run \(runID)  job_pack  succeeded  cost 1 silver"),
            "\(shown.stdout)")
        let runs = try await Executables.run("careerai", ["runs"] + global, environment: cli)
        #expect(runs.stdout.hasPrefix(runID) && runs.stdout.contains("succeeded"))
        let userID = try #require(user?["id"] as? String)
        let topUp = try await Executables.run(
            "careerai", ["admin", "topup", "--user", userID, "--gold", "3", "--reason", "prize"] + global,
            environment: cli)
        #expect(
            topUp.status == 0 && topUp.stdout == "Added 3 gold; the wallet now holds 9 silver, 5 gold.\n",
            "\(topUp.stdout)\(topUp.stderr)")
        let ledger = try await Executables.run("careerai", ["transactions"] + global, environment: cli)
        let lines = ledger.stdout.split(separator: "\n")
        #expect(
            lines.count == 4 && lines[0].contains("+3 gold  topup")
                && lines[1].contains("-1 silver  debit job_pack run \(runID)  [completed]"),
            "\(ledger.stdout)")
        #expect(shown.stdout.contains("Resume bullets") && shown.stdout.contains("Cover letter"), "\(shown.stdout)")
        let pdfPath = directory.appendingPathComponent("job-pack.pdf").path
        let saved = try await Executables.run(
            "careerai", ["run", "pdf", runID, "-o", pdfPath] + global, environment: cli)
        #expect(saved.status == 0 && saved.stdout.hasPrefix("saved \(pdfPath)"), "\(saved.stdout)\(saved.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: pdfPath)).starts(with: Array("%PDF-".utf8)))
        let mapped = try await Executables.run(
            "careerai", ["run", "skill-mapper", "--resume", resume.path, "--wait"] + global, environment: cli)
        #expect(
            mapped.status == 0 && mapped.stdout.contains("skill_mapper  succeeded") && mapped.stdout.contains("Skills")
                && mapped.stdout.contains("Learning plan"), "\(mapped.stdout)\(mapped.stderr)")
        let noPdf = try await Executables.run(
            "careerai", ["run", "pdf", String(mapped.stdout.dropFirst(4).prefix(36)), "-o", pdfPath] + global,
            environment: cli)
        #expect(noPdf.status == 1 && noPdf.stderr.contains("RUN_HAS_NO_PDF"), "\(noPdf.stderr)")
        let internships = try await Executables.run(
            "careerai",
            ["internships", "--interests", "data, design", "--skills", "SQL", "--location", "Pune"] + global,
            environment: cli)
        #expect(
            internships.status == 0 && internships.stdout.hasPrefix("1. ") && internships.stdout.contains("search:"),
            "\(internships.stdout)\(internships.stderr)")
        let referral = try await Executables.run(
            "careerai",
            [
                "referral", "--company", "Initech", "--role", "Data Intern", "--contact", "Priya Sharma",
                "--relationship", "friend", "--highlight", "Built dashboards used across campus",
            ] + global, environment: cli)
        #expect(
            referral.status == 0 && referral.stdout.contains("LinkedIn note") && referral.stdout.contains("Hey Priya"),
            "\(referral.stdout)\(referral.stderr)")
        let plan = try await Executables.run(
            "careerai-server", ["user", "plan", "--email", "cli@demo.edu", "--pro"],
            environment: ["CAREERAI_DATABASE_URL": databaseURL])
        #expect(plan.status == 0 && plan.stdout == "cli@demo.edu at demo is now pro (was free)\n", "\(plan.stdout)")
        let portals = try await Executables.run(
            "careerai-server",
            ["university", "update", "--subdomain", "demo", "--portal-hosts", "portal.demo.edu,bad host"],
            environment: ["CAREERAI_DATABASE_URL": databaseURL])
        #expect(portals.status == 1 && portals.stderr.contains("'bad host' is not a host"), "\(portals.stderr)")
        let missingFile = try await Executables.run(
            "careerai",
            [
                "run", "job-pack", "--title", "A", "--company", "B", "--jd", "/nonexistent",
                "--resume", resume.path,
            ] + global, environment: cli)
        #expect(missingFile.status == 1 && missingFile.stderr.contains("--jd: cannot read /nonexistent"))
        let endless = try await Executables.run(
            "careerai",
            [
                "run", "job-pack", "--title", "A", "--company", "B", "--jd", "/dev/zero",
                "--resume", resume.path,
            ] + global, environment: cli)
        #expect(
            endless.status == 1 && endless.stderr.contains("--jd: /dev/zero is larger than 256 KiB"),
            "\(endless.stderr)")
        let pdf = directory.appendingPathComponent("resume.pdf")
        try Data([0x25, 0x50, 0x44, 0x46, 0x2D, 0x31, 0x2E, 0x37, 0x0A, 0xE2, 0xE3, 0xCF, 0xD3, 0xFF]).write(to: pdf)
        let binary = try await Executables.run(
            "careerai",
            [
                "run", "job-pack", "--title", "A", "--company", "B", "--jd", jd.path,
                "--resume", pdf.path,
            ] + global, environment: cli)
        #expect(
            binary.status == 1 && binary.stderr.contains("--resume: \(pdf.path) is not plain text (UTF-8)"),
            "\(binary.stderr)")
        let audit = try await Executables.run(
            "careerai-server", ["audit"], environment: ["CAREERAI_DATABASE_URL": databaseURL])
        #expect(audit.status == 0 && audit.stdout.hasPrefix("audit ok"), "\(audit.stdout)\(audit.stderr)")

        let logout = try await Executables.run("careerai", ["logout"] + global, environment: cli)
        #expect(logout.status == 0 && logout.stdout == "Signed out of demo.\n", "\(logout.stdout)\(logout.stderr)")
        let after = try await Executables.run("careerai", ["me"] + global, environment: cli)
        #expect(after.status == 1 && after.stderr.contains("not signed in at demo"))
        #expect(!(try String(contentsOf: credentials, encoding: .utf8)).contains("cai_"), "the token is forgotten")
        #expect(
            await server.logContains("method=/careerai.v1.AuthService/SignOut"),
            "the session was revoked on the server too")

        let noTenant = try await Executables.run(
            "careerai", ["login", "--email", "cli@demo.edu", "--server", server.target], environment: cli)
        #expect(noTenant.status != 0 && noTenant.stderr.contains("--tenant"))
        await server.stop()
        smtp.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    @Test(
        "login --google uses PKCE: the printed URL carries an S256 challenge, and only this run's verifier redeems the code"
    )
    func loginWithGoogle() async throws {
        let google = try await GoogleStandIn.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "careerai-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let server = try await ServerProcess.start(
            environment: google.serverEnvironment.merging([
                "CAREERAI_DATABASE_URL": "sqlite:\(directory.appendingPathComponent("careerai.db").path)"
            ]) { $1 })
        let cli = ["XDG_CONFIG_HOME": directory.appendingPathComponent("config").path]
        let redirect = "http://localhost:8765/callback"
        let global = ["--server", server.target, "--tenant", "demo", "--redirect-uri", redirect]
        let claims = GoogleStandIn.Claims(subject: "g-cli", email: "ada@demo.edu")

        // The stand-in plays the browser and Google's consent screen: it reads the challenge from the
        // printed URL and issues a code bound to it; the pasted address carries code and state.
        let login = try await Executables.run("careerai", ["login", "--google"] + global, environment: cli) {
            stdin, output in
            var url: URLComponents?
            for _ in 0..<500 where url == nil {
                url =
                    output.stderr.split(separator: "\n").lazy.compactMap { line in
                        line.contains("code_challenge=")
                            ? URLComponents(string: line.trimmingCharacters(in: .whitespaces)) : nil
                    }.first
                if url == nil { try await Task.sleep(for: .milliseconds(20)) }
            }
            let items = try #require(url?.queryItems, "the login URL was printed: \(output.stderr)")
            func item(_ name: String) -> String? { items.first { $0.name == name }?.value }
            #expect(item("code_challenge_method") == "S256" && item("code_challenge")?.count == 43)
            let code = google.issueCode(claims, redirectURI: redirect, codeChallenge: item("code_challenge"))
            let state = try #require(item("state"))
            stdin.write(Data("\(redirect)?state=\(state)&code=\(code)\n".utf8))
        }
        #expect(login.status == 0, "\(login.stderr)")
        #expect(login.stdout.hasPrefix("Signed in as ada@demo.edu at demo until "), "\(login.stdout)")

        // A code issued under another challenge (another run's, or an attacker's) is refused.
        let stolen = try await Executables.run("careerai", ["login", "--google"] + global, environment: cli) {
            stdin, _ in
            let other = GoogleStandIn.pkceChallenge(verifier: String(repeating: "x", count: 43))
            stdin.write(Data((google.issueCode(claims, redirectURI: redirect, codeChallenge: other) + "\n").utf8))
        }
        #expect(stolen.status != 0 && stolen.stderr.contains("GOOGLE_CODE_REJECTED"), "\(stolen.stderr)")
        await server.stop()
        await google.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}
