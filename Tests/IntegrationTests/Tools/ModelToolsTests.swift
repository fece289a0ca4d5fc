import Client
import Contract
import Domain
import Foundation
import Outbound
import RPCCore
import Storage
import TestSupport
import Testing

/// The tools against the OpenAI stand-in (MOCK=0): the model per plan, strict schemas, the key,
/// failures refunded once, usage stored, PDFs readable; on both engines.
@Suite("The tools with a model: OpenAI stand-in, PDFs, synchronous tools, refunds — on both engines")
struct ModelToolsTests {
    struct Setup {
        let harness: AuthHarness
        let openAI: OpenAIStandIn

        func close() async {
            await harness.close()
            await openAI.stop()
        }
    }

    static func start(_ engine: Engine, environment: [String: String] = [:]) async throws -> Setup? {
        let openAI = try await OpenAIStandIn.start()
        guard
            let harness = try await AuthHarness.start(
                engine, environment: openAI.serverEnvironment.merging(environment) { _, new in new })
        else {
            await openAI.stop()
            return nil
        }
        return Setup(harness: harness, openAI: openAI)
    }

    static func makePro(_ harness: AuthHarness, _ userID: String) async throws {
        _ = try await harness.test.database.transaction { connection in
            try connection.execute("UPDATE users SET is_pro = TRUE WHERE id = $1", [.text(userID)])
        }
    }

    static func text(ofPDF pdf: [UInt8]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pdf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("run.pdf")
        try Data(pdf).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/pdftotext")
        process.arguments = [file.path, "-"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test(
        "a Job Pack through the model: the plan's model, strict schema and key; usage stored; a PDF with company, title and a bullet",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func jobPackWithModel(_ engine: Engine) async throws {
        guard let setup = try await Self.start(engine) else { return }
        let harness = setup.harness
        let free = try await harness.signIn("free@demo.edu")
        let client = harness.client(token: free.token)
        var request = RunsTests.jobPack()
        request.company = "Globex <Corp> & Sons"
        let run = try await client.runs.startJobPack(request)
        let last = try #require(try await RunsTests.finalState(client, run.id).last)
        #expect(last.status == "succeeded", "\(last.errorReason)")
        let seen = try #require(setup.openAI.seen.first)
        #expect(seen.model == "gpt-4o-mini" && seen.schemaName == "job_pack" && seen.strict && seen.authorized)
        #expect(!seen.body.contains(OpenAIStandIn.apiKey), "the key goes in the header only")
        #expect(
            last.usage?.model == "gpt-4o-mini" && last.usage?.promptTokens == 100 && last.usage?.completionTokens == 50
                && last.usage?.cachedTokens == 20 && last.usage?.modelCalls == 1)
        let result = try #require(
            try JSONSerialization.jsonObject(with: Data(last.resultJSON.utf8)) as? [String: Any])
        #expect(
            Set(result.keys) == [
                "summary", "keywords", "resume_bullets", "cover_letter", "interview_questions", "gaps", "warnings",
            ])

        let pdf = try await client.runs.pdf(id: run.id)
        #expect(pdf.starts(with: Array("%PDF-".utf8)) && pdf.count > 1_000)
        let text = try Self.text(ofPDF: pdf)
        #expect(text.contains("Globex <Corp> & Sons"), "the company, escaped in HTML and intact in the PDF")
        #expect(text.contains("Data Analyst"))
        #expect(text.contains("campus library usage"), "a bullet from the resume")

        // Others: NOT_FOUND, as for GetRun.
        let classmate = try await harness.signIn("classmate@demo.edu")
        let denied = await AuthHarness.error { () async throws(RPCError) in
            _ = try await harness.client(token: classmate.token).runs.pdf(id: run.id)
        }
        #expect(denied?.code == .notFound && denied?.reason == "RUN_NOT_FOUND")

        // A pro student's Job Pack asks the full model.
        let pro = try await harness.signIn("pro@demo.edu")
        try await Self.makePro(harness, try #require(pro.user?.id))
        let proClient = harness.client(token: pro.token)
        let proRun = try await proClient.runs.startJobPack(RunsTests.jobPack())
        #expect(try await RunsTests.finalState(proClient, proRun.id).last?.status == "succeeded")
        #expect(setup.openAI.seen.last?.model == "gpt-4o")
        await client.close()
        await proClient.close()
        await setup.close()
    }

    @Test(
        "everything failing: the run fails MODEL_UNAVAILABLE, refunded once, audit clean; a PDF is RUN_NOT_SUCCEEDED",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func everythingFails(_ engine: Engine) async throws {
        guard let setup = try await Self.start(engine) else { return }
        setup.openAI.answerByDefault(.status(500))
        let harness = setup.harness
        let session = try await harness.signIn("unlucky@demo.edu")
        let client = harness.client(token: session.token)
        let run = try await client.runs.startJobPack(RunsTests.jobPack())
        let last = try #require(try await RunsTests.finalState(client, run.id).last)
        #expect(last.status == "failed" && last.errorReason.hasPrefix("MODEL_UNAVAILABLE"))
        #expect(setup.openAI.seen.count == 8, "4 tries per model, two models, one attempt of the run")
        #expect(try await client.wallet.wallet().silver == 10)
        let ledger = try await client.wallet.transactions().transactions
        #expect(ledger.filter { $0.type == "refund" }.count == 1)
        #expect(try await RunsTests.audit(harness).isClean)
        let early = await AuthHarness.error { () async throws(RPCError) in
            _ = try await client.runs.pdf(id: run.id)
        }
        #expect(early?.code == .failedPrecondition && early?.reason == "RUN_NOT_SUCCEEDED")
        await client.close()
        await setup.close()
    }

    @Test(
        "429 with retry-after then success; a refusal then the fallback; a hanging response times out",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func transientFailures(_ engine: Engine) async throws {
        // Short enough that the hanging case ends soon (eight calls time out), long enough that a valid
        // answer is not timed out on a loaded CI machine (1 s was: the fallback model answered instead).
        guard let setup = try await Self.start(engine, environment: ["CAREERAI_OPENAI_TIMEOUT_MS": "2500"]) else {
            return
        }
        let harness = setup.harness
        let session = try await harness.signIn("patient@demo.edu")
        let client = harness.client(token: session.token)

        setup.openAI.script("gpt-4o-mini", [.status(429, headers: [("retry-after", "1")]), .valid])
        let started = ContinuousClock.now
        let limited = try await client.runs.startJobPack(RunsTests.jobPack())
        let done = try #require(try await RunsTests.finalState(client, limited.id).last)
        #expect(done.status == "succeeded" && done.usage?.model == "gpt-4o-mini")
        #expect(ContinuousClock.now - started >= .seconds(1), "retry-after was honoured")

        setup.openAI.script("gpt-4o-mini", [.refusal])
        let refused = try await client.runs.startJobPack(RunsTests.jobPack("Analyst"))
        let fallback = try #require(try await RunsTests.finalState(client, refused.id).last)
        #expect(fallback.status == "succeeded" && fallback.usage?.model == "gpt-4o" && fallback.usage?.modelCalls == 2)

        setup.openAI.answerByDefault(.hang)
        let hanging = try await client.runs.startJobPack(RunsTests.jobPack("Scientist"))
        let timedOut = try #require(try await RunsTests.finalState(client, hanging.id).last)
        #expect(timedOut.status == "failed" && timedOut.errorReason.hasPrefix("MODEL_UNAVAILABLE"))
        #expect(timedOut.errorReason.contains("timed out"))
        #expect(try await client.wallet.wallet().silver == 8)
        await client.close()
        await setup.close()
    }

    @Test(
        "FindInternships: charged, answered; on model failure UNAVAILABLE with refunded=true and the credit back; idempotent",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func internships(_ engine: Engine) async throws {
        guard let setup = try await Self.start(engine) else { return }
        let harness = setup.harness
        let session = try await harness.signIn("seeker@demo.edu")
        let client = harness.client(token: session.token)
        var request = FindInternshipsRequest()
        request.interests = ["data"]
        request.skills = ["SQL", "Python"]
        request.location = "Mumbai"
        let first = try await client.tools.findInternships(request, idempotencyKey: "find-1")
        #expect(first.suggestions.count == 3 && setup.openAI.seen.last?.schemaName == "internship_suggestions")
        #expect(setup.openAI.seen.last?.model == "gpt-4o-mini")
        #expect(try await client.wallet.wallet().silver == 9)
        let asked = setup.openAI.seen.count  // 1, or more when a loaded machine made the stand-in time out once
        let again = try await client.tools.findInternships(request, idempotencyKey: "find-1")
        #expect(again == first && setup.openAI.seen.count == asked, "a retry is answered from the first call")
        #expect(try await client.wallet.wallet().silver == 9)
        var other = request
        other.location = "Pune"
        let reused = await AuthHarness.error { () async throws(RPCError) in
            _ = try await client.tools.findInternships(other, idempotencyKey: "find-1")
        }
        #expect(reused?.reason == "IDEMPOTENCY_KEY_REUSED")

        setup.openAI.answerByDefault(.status(503))
        let failed = await AuthHarness.error { () async throws(RPCError) in
            _ = try await client.tools.findInternships(request, idempotencyKey: "find-2")
        }
        #expect(failed?.code == .unavailable && failed?.reason == "MODEL_UNAVAILABLE")
        #expect(failed?.details["refunded"] == "true")
        #expect(try await client.wallet.wallet().silver == 9, "the failed call's credit is back")
        let repeated = await AuthHarness.error { () async throws(RPCError) in
            _ = try await client.tools.findInternships(request, idempotencyKey: "find-2")
        }
        #expect(repeated?.reason == "MODEL_UNAVAILABLE" && repeated?.details["refunded"] == "true")
        let ledger = try await client.wallet.transactions().transactions
        #expect(ledger.filter { $0.type == "debit" }.count == 2 && ledger.filter { $0.type == "refund" }.count == 1)
        #expect(ledger.filter { $0.type == "debit" }.map(\.status).sorted() == ["completed", "failed"])
        #expect(try await RunsTests.audit(harness).isClean)
        await client.close()
        await setup.close()
    }

    @Test(
        "DraftReferral: one LinkedIn note (≤ 300 characters), email and follow-up, each greeting the contact and naming the company",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func referral(_ engine: Engine) async throws {
        guard let setup = try await Self.start(engine) else { return }
        let session = try await setup.harness.signIn("networker@demo.edu")
        let client = setup.harness.client(token: session.token)
        for relationship in ["alumni", "friend", "recruiter", "stranger"] {
            var request = DraftReferralRequest()
            request.company = "Initech"
            request.role = "Data Intern"
            request.contactName = "Priya Sharma"
            request.relationship = relationship
            request.highlights = [String(repeating: "Built dashboards used across campus. ", count: 6), "Won a prize"]
            let response = try await client.tools.draftReferral(request)
            #expect(response.messages.map(\.channel) == ["linkedin_note", "email", "follow_up"])
            for message in response.messages {
                #expect(message.body.contains("Priya") && message.body.contains("Initech"), "\(relationship)")
                #expect(!message.body.contains("&amp;") && !message.body.contains("{{"))
            }
            #expect(response.messages[0].body.count <= 300)
            #expect(response.messages[1].subject.contains("Initech"))
        }
        var bad = DraftReferralRequest()
        bad.company = "Initech"
        bad.role = "Intern"
        bad.contactName = "Priya"
        bad.relationship = "boss"
        let refused = await AuthHarness.error { () async throws(RPCError) in
            _ = try await client.tools.draftReferral(bad)
        }
        #expect(refused?.code == .invalidArgument && refused?.details["field"] == "relationship")
        #expect(setup.openAI.seen.isEmpty, "no model is asked")
        await client.close()
        await setup.close()
    }

    @Test(
        "a tool call left pending by a dead process is failed and refunded once by the sweep, never twice",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func stalePendingCall(_ engine: Engine) async throws {
        guard let setup = try await Self.start(engine) else { return }
        let harness = setup.harness
        let session = try await harness.signIn("crashed@demo.edu")
        let client = harness.client(token: session.token)
        let principal = try #require(
            try await harness.server.runtime.auth.authenticate(authorization: "Bearer \(session.token)", tenant: "demo")
        )
        let store = SQLToolCallStore(database: harness.test.database)
        let now = harness.clock.nowUnix
        let call = ToolCall(
            id: TimeOrderedID.make(), universityID: principal.user.universityID, userID: principal.user.id,
            feature: .internshipFinder, status: .pending, cost: Cost(currency: .silver, amount: 1),
            debitID: TimeOrderedID.make(), requestHash: "h", createdAtUnix: now)
        // What a call writes before asking the model; then its process dies.
        try await store.toolTransaction { tx in
            try tx.insertToolCall(call, idempotencyKey: "lost")
            _ = try tx.post(
                LedgerEntry(
                    id: call.debitID, userID: call.userID, universityID: call.universityID, feature: call.feature,
                    currency: .silver, amount: -1, kind: .debit, runID: nil, status: .pending, metadata: "{}",
                    idempotencyKey: nil, createdAtUnix: now))
        }
        #expect(try await client.wallet.wallet().silver == 9)
        let tools = ToolService(
            store: store, costs: .builtIn, call: StructuredModelCall(model: MockLanguageModel()), roster: ModelRoster(),
            drafter: MustacheReferralDrafter(), clock: harness.clock)
        #expect(try await tools.failStaleCalls(olderThan: .seconds(600)) == 0, "young calls are left alone")
        harness.clock.advance(seconds: 601)
        #expect(try await tools.failStaleCalls(olderThan: .seconds(600)) == 1)
        #expect(try await tools.failStaleCalls(olderThan: .seconds(600)) == 0)
        #expect(try await client.wallet.wallet().silver == 10)
        let ledger = try await client.wallet.transactions().transactions
        #expect(
            ledger.filter { $0.type == "refund" }.count == 1 && ledger.first { $0.type == "debit" }?.status == "failed")
        #expect(try await RunsTests.audit(harness).isClean)
        await client.close()
        await setup.close()
    }

    @Test(
        "through the HTTP stand-in: invalid JSON once, schema-breaking once, ungrounded bullets once, a truncation, 500 twice, the primary always 500",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func repairsAndFallbacks(_ engine: Engine) async throws {
        guard let setup = try await Self.start(engine) else { return }
        let session = try await setup.harness.signIn("resilient@demo.edu")
        let client = setup.harness.client(token: session.token)
        // Six Job Packs of 1 silver each, from the demo university's 10.
        let ungrounded = """
            {"summary":"s","keywords":{"required":[],"preferred":[]},"resume_bullets":[
            {"source_text":"Led a team of 12 engineers at Google","rewritten":"r","keywords_used":[]},
            {"source_text":"Won the national hackathon in 2025","rewritten":"r","keywords_used":[]},
            {"source_text":"Founded a startup with 40 staff","rewritten":"r","keywords_used":[]}],
            "cover_letter":{"greeting":"g","paragraphs":["a","b","c"],"closing":"c"},
            "interview_questions":[{"question":"q","why_asked":"w","answer_hint":"h"}],"gaps":[],"warnings":[]}
            """
        let cases: [(String, [OpenAIStandIn.Step], expectedModel: String, calls: Int32)] = [
            ("invalid JSON once", [.content("Sure! Here is your JSON: {"), .valid], "gpt-4o-mini", 2),
            ("schema-breaking once", [.content(#"{"summary": 3}"#), .valid], "gpt-4o-mini", 2),
            ("ungrounded once", [.content(ungrounded), .valid], "gpt-4o-mini", 2),
            ("truncated once", [.truncated, .valid], "gpt-4o-mini", 2),
            ("500 twice", [.status(500), .status(502), .valid], "gpt-4o-mini", 1),
            ("primary always 500", [.status(500), .status(500), .status(500), .status(500)], "gpt-4o", 1),
        ]
        for (index, (name, steps, expectedModel, calls)) in cases.enumerated() {
            setup.openAI.script("gpt-4o-mini", steps)
            setup.openAI.script("gpt-4o", [.valid])
            let before = setup.openAI.seen.count
            let run = try await client.runs.startJobPack(RunsTests.jobPack("Analyst \(index)"))
            let last = try #require(try await RunsTests.finalState(client, run.id).last)
            #expect(last.status == "succeeded", "\(name): \(last.errorReason)")
            #expect(last.usage?.model == expectedModel && last.usage?.modelCalls == calls, "\(name)")
            let asked = setup.openAI.seen[before...]
            if name == "truncated once" {
                #expect(asked.map(\.maxCompletionTokens) == [4096, 8192], "twice the cap after a truncation")
            }
            if name == "invalid JSON once" {
                #expect(
                    asked.last?.body.contains("Your answer broke these rules") == true, "re-asked with the problems")
            }
        }
        #expect(try await RunsTests.audit(setup.harness).isClean)
        await client.close()
        await setup.close()
    }
}
