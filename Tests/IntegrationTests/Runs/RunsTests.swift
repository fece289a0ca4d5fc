import Client
import Contract
import Domain
import Foundation
import Outbound
import RPCCore
import Storage
import Synchronization
import TestSupport
import Testing
import Wire

/// Runs through the real server with the embedded queue and the in-process worker (MOCK workflows).
@Suite("Credits and runs: deduction, idempotency, worker, refunds, audit — on both engines")
struct RunsTests {
    static func jobPack(_ title: String = "Data Analyst") -> StartJobPackRequest {
        var request = StartJobPackRequest()
        request.jobTitle = title
        request.company = "Acme"
        request.jobDescription = "Analyse data with SQL and Python."
        request.resumeText = """
            Student of statistics at Demo University, graduating in 2027.
            Built a Python dashboard that tracks campus library usage for 3,000 students.
            Analysed survey data with SQL and pandas for the student union.
            Tutored first-year students in introductory probability.
            """
        return request
    }

    static func finalState(_ client: CareerAIClient, _ id: String) async throws -> [RunMessage] {
        var seen: [RunMessage] = []
        for try await run in try await client.runs.watch(id: id, timeoutMs: 120_000) { seen.append(run) }
        return seen
    }

    static func audit(_ harness: AuthHarness) async throws -> LedgerAudit.Report {
        try await LedgerAudit(source: SQLLedgerAuditSource(database: harness.test.database)).run()
    }

    @Test(
        "a Job Pack run: debited, queued, watched to success, in the ledger and the run list",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func runToSuccess(_ engine: Engine) async throws {
        guard let harness = try await AuthHarness.start(engine) else { return }
        let session = try await harness.signIn("ada@demo.edu")
        let client = harness.client(token: session.token)
        let run = try await client.runs.startJobPack(Self.jobPack())
        #expect(run.kind == "job_pack" && run.cost?.currency == "silver" && run.cost?.amount == 1)
        #expect(run.status == "queued" || run.status == "running" || run.status == "succeeded")
        #expect(try await client.wallet.wallet().silver == 9)

        let states = try await Self.finalState(client, run.id)
        let last = try #require(states.last)
        #expect(
            last.status == "succeeded" && last.resultJSON.contains("resume_bullets") && last.resultJSON.contains("Acme")
        )
        #expect(Set(states.map(\.status)).count == states.count, "one message per status change")
        #expect(try await client.runs.get(id: run.id) == last)

        let ledger = try await client.wallet.transactions()
        let debit = try #require(ledger.transactions.first)
        #expect(
            debit.type == "debit" && debit.amount == -1 && debit.runID == run.id && debit.status == "completed"
                && debit.feature == "job_pack")
        #expect(ledger.transactions.count == 3 && ledger.transactions.dropFirst().allSatisfy { $0.type == "system" })

        // Keyset pages: newest first, no overlap, nothing missed.
        for n in 1...4 { _ = try await client.runs.startJobPack(Self.jobPack("Role \(n)")) }
        var ids: [String] = []
        var token = ""
        repeat {
            let page = try await client.runs.list(pageSize: 2, pageToken: token)
            #expect(page.runs.count <= 2)
            ids += page.runs.map(\.id)
            token = page.nextPageToken
        } while !token.isEmpty
        #expect(ids.count == 5 && Set(ids).count == 5 && ids.last == run.id)
        let badToken = await AuthHarness.error { () async throws(RPCError) in
            try await client.runs.list(pageToken: "garbage")
        }
        #expect(badToken?.code == .invalidArgument && badToken?.reason == "INVALID_PAGE_TOKEN")
        let badSize = await AuthHarness.error { () async throws(RPCError) in
            try await client.wallet.transactions(pageSize: 101)
        }
        #expect(badSize?.details["field"] == "page_size")
        await client.close()
        await harness.close()
    }

    @Test(
        "insufficient credits: RESOURCE_EXHAUSTED with currency, required and available; nothing written",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func insufficientCredits(_ engine: Engine) async throws {
        guard let harness = try await AuthHarness.start(engine) else { return }
        let session = try await harness.signIn("poor@demo.edu")
        let client = harness.client(token: session.token)
        var request = StartSkillMapperRequest()
        request.profileText = "Second-year CS student."
        _ = try await client.runs.startSkillMapper(request)
        _ = try await client.runs.startSkillMapper(request)
        let refused = await AuthHarness.error { () async throws(RPCError) in
            try await client.runs.startSkillMapper(request)
        }
        #expect(refused?.code == .resourceExhausted && refused?.reason == "INSUFFICIENT_CREDITS")
        #expect(refused?.details == ["currency": "gold", "required": "1", "available": "0"])
        #expect(try await client.runs.list().runs.count == 2)
        #expect(try await client.wallet.wallet().gold == 0)
        let invalid = await AuthHarness.error { () async throws(RPCError) in
            var tooLong = Self.jobPack()
            tooLong.jobDescription = String(repeating: "x", count: 20_001)
            return try await client.runs.startJobPack(tooLong)
        }
        #expect(invalid?.code == .invalidArgument && invalid?.details["field"] == "job_description")
        let blankTitle = await AuthHarness.error { () async throws(RPCError) in
            var blank = Self.jobPack()
            blank.jobTitle = " \n\t\u{00A0}\u{2003}\u{3000}"  // ASCII and Unicode white space only
            return try await client.runs.startJobPack(blank)
        }
        #expect(blankTitle?.code == .invalidArgument && blankTitle?.details["field"] == "job_title")
        // The limit counts characters, not bytes: 20,000 two-byte characters are allowed.
        var accented = Self.jobPack()
        accented.jobDescription = String(repeating: "é", count: 20_000)
        #expect(try await client.runs.startJobPack(accented).status == "queued")
        #expect(try await Self.audit(harness).isClean)
        await client.close()
        await harness.close()
    }

    @Test(
        "the same idempotency-key returns the same run and charges once; with another request it is refused",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func idempotentStart(_ engine: Engine) async throws {
        guard let harness = try await AuthHarness.start(engine) else { return }
        let session = try await harness.signIn("retry@demo.edu")
        let client = harness.client(token: session.token)
        let first = try await client.runs.startJobPack(Self.jobPack(), idempotencyKey: "key-1")
        let again = try await client.runs.startJobPack(Self.jobPack(), idempotencyKey: "key-1")
        #expect(first.id == again.id)
        #expect(try await client.wallet.wallet().silver == 9)
        let reused = await AuthHarness.error { () async throws(RPCError) in
            try await client.runs.startJobPack(Self.jobPack("Other"), idempotencyKey: "key-1")
        }
        #expect(reused?.code == .alreadyExists && reused?.reason == "IDEMPOTENCY_KEY_REUSED")
        // Concurrent retries with one key: one run, one charge.
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<10 {
                group.addTask { try await client.runs.startJobPack(Self.jobPack(), idempotencyKey: "key-2").id }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(ids.count == 1)
        #expect(try await client.wallet.wallet().silver == 8)
        // Concurrent retries with one key on a wallet that pays for exactly one run: every retry gets
        // that run, none INSUFFICIENT_CREDITS (the one that waited on the wallet's row lock saw the
        // lower balance, not the key's run, before this was fixed).
        try await harness.test.database.transaction {
            try $0.execute(
                "UPDATE credit_wallets SET silver = 1 WHERE user_id = $1", [.text(session.user!.id)])
        }
        let clients = (0..<4).map { _ in harness.client(token: session.token) }
        for round in 0..<5 {
            let outcomes = await withTaskGroup(of: String.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        do {
                            return try await clients[index % 4].runs.startJobPack(
                                Self.jobPack("Round \(round)"), idempotencyKey: "key-3-\(round)"
                            ).id
                        } catch let error as RPCError {
                            return error.reason
                        } catch {
                            return "\(error)"
                        }
                    }
                }
                return await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(outcomes.count == 1 && !outcomes.contains("INSUFFICIENT_CREDITS"), "round \(round): \(outcomes)")
            // The next round has the one credit again.
            try await harness.test.database.transaction {
                try $0.execute(
                    "UPDATE credit_wallets SET silver = silver + 1 WHERE user_id = $1", [.text(session.user!.id)])
            }
        }
        for other in clients { await other.close() }
        await client.close()
        await harness.close()
    }

    @Test(
        "200 concurrent starts on a wallet that pays for 50: exactly 50 runs, balance 0, never negative",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func concurrentStarts(_ engine: Engine) async throws {
        // One run at a time: the 50 runs' PDFs are not what this tests, and would load the machine.
        guard let harness = try await AuthHarness.start(engine, environment: ["CAREERAI_WORKER_CONCURRENCY": "1"])
        else { return }
        _ = try await harness.server.runtime.universities.create(
            UniversityDraft(
                name: "Rich University", subdomain: "rich", allowedDomains: ["rich.edu"], defaultSilver: 50,
                defaultGold: 0))
        let session = try await harness.signIn("busy@rich.edu", tenant: "rich")
        let clients = (0..<4).map { _ in harness.client(tenant: "rich", token: session.token) }
        let outcomes = await withTaskGroup(of: String.self) { group in
            for index in 0..<200 {
                group.addTask {
                    do {
                        _ = try await clients[index % 4].runs.startJobPack(Self.jobPack("Role \(index)"))
                        return "ok"
                    } catch let error as RPCError {
                        return error.reason
                    } catch {
                        return "\(error)"
                    }
                }
            }
            return await group.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
        }
        #expect(outcomes == ["ok": 50, "INSUFFICIENT_CREDITS": 150], "\(outcomes)")
        #expect(try await clients[0].wallet.wallet().silver == 0)
        let runs = try await harness.test.database.transaction {
            try $0.query("SELECT COUNT(*) AS n FROM runs").first!.integer("n")
        }
        #expect(runs == 50)
        #expect(try await Self.audit(harness).isClean)
        for client in clients { await client.close() }
        await harness.close()
    }

    @Test(
        "a workflow that always fails: retried, then failed and refunded exactly once, even when the refund is retried",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func failingWorkflow(_ engine: Engine) async throws {
        guard let harness = try await AuthHarness.start(engine, environment: ["CAREERAI_MOCK_MODE": "fail"]) else {
            return
        }
        let session = try await harness.signIn("unlucky@demo.edu")
        let client = harness.client(token: session.token)
        let run = try await client.runs.startJobPack(Self.jobPack())
        let last = try #require(try await Self.finalState(client, run.id).last)
        #expect(last.status == "failed" && last.errorReason.contains("MOCK_FAILURE"))
        #expect(try await client.wallet.wallet().silver == 10)
        let attempts = try await harness.test.database.transaction { connection in
            try connection.query("SELECT attempts FROM runs WHERE id = $1", [.text(run.id)]).first!.integer("attempts")
        }
        #expect(attempts == 3)

        // The refund step again (a worker retrying after a crash): nothing changes.
        let store = SQLRunStores.make(database: harness.test.database)
        let stored = try #require(try await store.transaction { try $0.runForWorker(id: run.id)?.run })
        let processor = RunProcessor(
            store: store, queue: NoQueue(), workflows: { _ in FaultInjectionWorkflow(mode: .fail) })
        try await processor.failAndRefund(run: stored, reason: "again")
        try await processor.failAndRefund(run: stored, reason: "and again")
        #expect(try await client.wallet.wallet().silver == 10)
        let ledger = try await client.wallet.transactions().transactions
        #expect(ledger.filter { $0.type == "refund" }.count == 1)
        #expect(ledger.first { $0.type == "debit" }?.status == "failed")
        #expect(try await Self.audit(harness).isClean)
        await client.close()
        await harness.close()
    }

    @Test(
        "a hanging workflow times out, is retried and finally refunded",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"))
    func hangingWorkflow() async throws {
        guard
            let harness = try await AuthHarness.start(
                .sqlite, environment: ["CAREERAI_MOCK_MODE": "hang", "CAREERAI_JOB_TIMEOUT_MS": "200"])
        else { return }
        let session = try await harness.signIn("slow@demo.edu")
        let client = harness.client(token: session.token)
        let run = try await client.runs.startJobPack(Self.jobPack())
        let last = try #require(try await Self.finalState(client, run.id).last)
        #expect(last.status == "failed" && last.errorReason.contains("JOB_TIMEOUT"))
        #expect(try await client.wallet.wallet().silver == 10)
        await client.close()
        await harness.close()
    }

    @Test(
        "runs are visible to their owner and their university's admins only; other tenants get NOT_FOUND",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func visibility(_ engine: Engine) async throws {
        guard let harness = try await AuthHarness.start(engine) else { return }
        _ = try await harness.server.runtime.universities.create(
            UniversityDraft(
                name: "Other University", subdomain: "other", allowedDomains: ["other.edu"], defaultSilver: 5,
                defaultGold: 0))
        let owner = try await harness.signIn("owner@demo.edu")
        let classmate = try await harness.signIn("classmate@demo.edu")
        let admin = try await harness.signIn("admin@demo.edu")
        let outsider = try await harness.signIn("outsider@other.edu", tenant: "other")
        let demo = try await harness.server.runtime.universities.resolve(subdomain: "demo")
        _ = try await SQLUserRepository(database: harness.test.database).setRole(
            in: demo.id, userID: admin.user!.id, role: .universityAdmin)
        let run = try await harness.client(token: owner.token).runs.startJobPack(Self.jobPack())

        let classmateError = await AuthHarness.error { () async throws(RPCError) in
            try await harness.client(token: classmate.token).runs.get(id: run.id)
        }
        #expect(classmateError?.code == .notFound && classmateError?.reason == "RUN_NOT_FOUND")
        let outsiderError = await AuthHarness.error { () async throws(RPCError) in
            try await harness.client(tenant: "other", token: outsider.token).runs.get(id: run.id)
        }
        #expect(outsiderError?.code == .notFound && outsiderError?.reason == "RUN_NOT_FOUND")
        #expect(try await harness.client(token: admin.token).runs.get(id: run.id).id == run.id)
        await harness.close()
    }

    @Test(
        "top-ups: admins only; university admins in their own university, platform admins in any; idempotent by key",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func topUps(_ engine: Engine) async throws {
        guard let harness = try await AuthHarness.start(engine) else { return }
        _ = try await harness.server.runtime.universities.create(
            UniversityDraft(
                name: "Other University", subdomain: "other", allowedDomains: ["other.edu"], defaultSilver: 0,
                defaultGold: 0))
        let student = try await harness.signIn("s@demo.edu")
        let admin = try await harness.signIn("a@demo.edu")
        let foreign = try await harness.signIn("f@other.edu", tenant: "other")
        let demo = try await harness.server.runtime.universities.resolve(subdomain: "demo")
        _ = try await SQLUserRepository(database: harness.test.database).setRole(
            in: demo.id, userID: admin.user!.id, role: .universityAdmin)
        let studentID = try #require(student.user?.id)

        let denied = await AuthHarness.error { () async throws(RPCError) in
            try await harness.client(token: student.token).wallet.topUp(
                userID: studentID, currency: "silver", amount: 5)
        }
        #expect(denied?.code == .permissionDenied && denied?.reason == "UNIVERSITY_ADMIN_REQUIRED")
        let adminClient = harness.client(token: admin.token)
        let first = try await adminClient.wallet.topUp(
            userID: studentID, currency: "silver", amount: 5, reason: "hackathon", idempotencyKey: "t-1")
        let again = try await adminClient.wallet.topUp(
            userID: studentID, currency: "silver", amount: 5, reason: "hackathon", idempotencyKey: "t-1")
        #expect(
            first.wallet?.silver == 15 && again.wallet?.silver == 15 && first.transaction?.id == again.transaction?.id)
        #expect(
            first.transaction?.type == "topup" && first.transaction?.amount == 5
                && first.transaction?.metadata.contains("hackathon") == true)
        let reused = await AuthHarness.error { () async throws(RPCError) in
            try await adminClient.wallet.topUp(userID: studentID, currency: "silver", amount: 7, idempotencyKey: "t-1")
        }
        #expect(reused?.reason == "IDEMPOTENCY_KEY_REUSED")
        let otherTenant = await AuthHarness.error { () async throws(RPCError) in
            try await adminClient.wallet.topUp(userID: foreign.user!.id, currency: "silver", amount: 5)
        }
        #expect(otherTenant?.code == .notFound && otherTenant?.reason == "USER_NOT_FOUND")
        #expect(
            try await harness.client(tenant: "other", token: foreign.token).wallet.wallet().silver == 0,
            "nothing was added")

        // A platform admin (whose account is at demo) tops up a user of another university.
        let platform = try await harness.signIn("p@demo.edu")
        _ = try await SQLUserRepository(database: harness.test.database).setRole(
            in: demo.id, userID: platform.user!.id, role: .platformAdmin)
        let platformClient = harness.client(token: platform.token)
        let crossed = try await platformClient.wallet.topUp(
            userID: foreign.user!.id, currency: "gold", amount: 3, reason: "grant", idempotencyKey: "p-1")
        let crossedAgain = try await platformClient.wallet.topUp(
            userID: foreign.user!.id, currency: "gold", amount: 3, reason: "grant", idempotencyKey: "p-1")
        #expect(
            crossed.wallet?.gold == 3 && crossedAgain.wallet?.gold == 3
                && crossed.transaction?.id == crossedAgain.transaction?.id)
        let foreignClient = harness.client(tenant: "other", token: foreign.token)
        #expect(try await foreignClient.wallet.wallet().gold == 3)
        let foreignLedger = try await foreignClient.wallet.transactions().transactions
        #expect(
            foreignLedger.first?.type == "topup" && foreignLedger.first?.amount == 3
                && foreignLedger.first?.metadata.contains(platform.user!.id) == true,
            "the ledger row is the user's and names the admin")
        let nobody = await AuthHarness.error { () async throws(RPCError) in
            try await platformClient.wallet.topUp(userID: "no-such-user", currency: "gold", amount: 1)
        }
        #expect(nobody?.code == .notFound && nobody?.reason == "USER_NOT_FOUND")
        await foreignClient.close()
        await platformClient.close()

        for (currency, amount, field) in [
            ("bronze", Int64(5), "currency"), ("gold", 0, "amount"), ("gold", -3, "amount"),
        ] {
            let bad = await AuthHarness.error { () async throws(RPCError) in
                try await adminClient.wallet.topUp(userID: studentID, currency: currency, amount: amount)
            }
            #expect(bad?.code == .invalidArgument && bad?.details["field"] == field)
        }
        #expect(try await Self.audit(harness).isClean)
        await harness.close()
    }

    @Test(
        "the sweeper queues a run whose enqueue was lost after the commit, and the worker completes it",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"))
    func sweeperRecoversLostEnqueue() async throws {
        guard let harness = try await AuthHarness.start(.sqlite) else { return }
        let session = try await harness.signIn("lost@demo.edu")
        let client = harness.client(token: session.token)
        let store = SQLRunStores.make(database: harness.test.database)
        let unqueued = try await UnqueuedStarts(harness, token: session.token, store: store)
        let run = try await unqueued.start()
        #expect(try await client.runs.get(id: run.id).status == "queued")
        harness.clock.advance(seconds: 31)
        let swept = try await harness.server.runtime.sweeper.sweep()
        #expect(swept.requeued == 1 && swept.failed == 0)
        #expect(try #require(try await Self.finalState(client, run.id).last).status == "succeeded")
        await client.close()
        await harness.close()
    }

    @Test(
        "a worker that was taken over (slow, not dead) can no longer complete, fail, requeue or beat for the run",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func takenOverWorkerIsIgnored(_ engine: Engine) async throws {
        guard let harness = try await AuthHarness.start(engine, environment: ["CAREERAI_SWEEP_INTERVAL_MS": "3600000"])
        else { return }
        let session = try await harness.signIn("slowpoke@demo.edu")
        let client = harness.client(token: session.token)
        let store = SQLRunStores.make(database: harness.test.database)
        let run = try await UnqueuedStarts(harness, token: session.token, store: store).start()
        let now = harness.clock.nowUnix
        let first = try #require(try await store.claimRun(id: run.id, nowUnix: now, takeOverBeforeUnix: now - 60))
        harness.clock.advance(seconds: 61)
        let later = harness.clock.nowUnix
        let second = try #require(
            try await store.claimRun(id: run.id, nowUnix: later, takeOverBeforeUnix: later - 60),
            "the silent worker's run is taken over")
        #expect(first.run.attempts == 1 && second.run.attempts == 2)

        // The first worker wakes up and reports: every change it tries is refused.
        let stale = WorkflowOutput(resultJSON: #"{"late":true}"#)
        #expect(try await store.completeRun(id: run.id, attempt: 1, output: stale, nowUnix: later) == false)
        let refused = try await store.transaction { tx in
            try tx.heartbeat(runID: run.id, attempt: 1, nowUnix: later + 30)
            return (
                try tx.failRun(id: run.id, attempt: 1, reason: "late", nowUnix: later),
                try tx.requeueRun(id: run.id, attempt: 1, nowUnix: later)
            )
        }
        #expect(refused == (false, false))
        let processor = RunProcessor(store: store, queue: NoQueue(), workflows: { _ in FixedResultWorkflow() })
        try await processor.failAndRefund(run: first.run, reason: "late")
        #expect(try await client.runs.get(id: run.id).status == "running", "still the second worker's")
        #expect(try await client.wallet.wallet().silver == 9, "no refund from the stale worker")

        #expect(
            try await store.completeRun(
                id: run.id, attempt: 2, output: WorkflowOutput(resultJSON: #"{"fixed":true}"#), nowUnix: later))
        let done = try await client.runs.get(id: run.id)
        #expect(done.status == "succeeded" && done.resultJSON == #"{"fixed":true}"#)
        #expect(try await Self.audit(harness).isClean)
        await client.close()
        await harness.close()
    }

    @Test(
        "a run whose worker died is taken over when the queue delivers it again (no sweeper): done once, charged once",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func takeOverFromDeadWorker(_ engine: Engine) async throws {
        // The sweeper is kept out of the way, so only the redelivery can recover the run.
        guard let harness = try await AuthHarness.start(engine, environment: ["CAREERAI_SWEEP_INTERVAL_MS": "3600000"])
        else { return }
        let session = try await harness.signIn("takeover@demo.edu")
        let client = harness.client(token: session.token)
        let store = SQLRunStores.make(database: harness.test.database)
        let unqueued = try await UnqueuedStarts(harness, token: session.token, store: store)
        let run = try await unqueued.start()

        // Worker A claims the run, then dies: no heartbeat, no outcome.
        let now = harness.clock.nowUnix
        #expect(try await store.claimRun(id: run.id, nowUnix: now, takeOverBeforeUnix: now - 60)?.run.attempts == 1)
        var limits = RunProcessor.Limits()
        limits.visibilityTimeout = .seconds(60)
        let workerB = RunProcessor(
            store: store, queue: NoQueue(), workflows: { _ in FixedResultWorkflow() }, clock: harness.clock,
            limits: limits)
        #expect(try await workerB.process(runID: run.id) == .notClaimed, "A's heartbeat is still fresh: the run is A's")
        harness.clock.advance(seconds: 61)
        #expect(
            try await workerB.process(runID: run.id) == .succeeded,
            "A is silent past the visibility timeout: B takes the run over")
        #expect(try await workerB.process(runID: run.id) == .notClaimed, "a finished run is never claimed again")

        #expect(try await client.runs.get(id: run.id).status == "succeeded")
        let attempts = try await harness.test.database.transaction {
            try $0.query("SELECT attempts FROM runs WHERE id = $1", [.text(run.id)])[0].integer("attempts")
        }
        #expect(attempts == 2)
        #expect(try await client.wallet.wallet().silver == 9, "charged once")
        let ledger = try await client.wallet.transactions().transactions.filter { $0.runID == run.id }
        #expect(ledger.map(\.type) == ["debit"] && ledger.first?.status == "completed")
        #expect(try await Self.audit(harness).isClean)

        // A run on its last attempt is not taken over: the sweeper fails and refunds it instead.
        let last = try await unqueued.start()
        _ = try await harness.test.database.transaction {
            try $0.execute(
                "UPDATE runs SET status = 'running', attempts = max_attempts, heartbeat_at = 0 WHERE id = $1",
                [.text(last.id)])
        }
        #expect(try await workerB.process(runID: last.id) == .notClaimed)
        #expect(try await harness.server.runtime.sweeper.sweep().failed == 1)
        #expect(try await client.runs.get(id: last.id).status == "failed")
        #expect(try await client.wallet.wallet().silver == 9, "the last run's credit came back")
        #expect(try await Self.audit(harness).isClean)
        await client.close()
        await harness.close()
    }

    @Test(
        "WatchRun's hub: 20 watchers cost one status query per interval; a change made elsewhere wakes only its watchers, an announcement at once, cancellation always",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func statusHub(_ engine: Engine) async throws {
        guard let harness = try await AuthHarness.start(engine, environment: ["CAREERAI_SWEEP_INTERVAL_MS": "3600000"])
        else { return }
        let session = try await harness.signIn("hub@demo.edu")
        try await harness.test.database.transaction {
            try $0.execute("UPDATE credit_wallets SET silver = 100 WHERE user_id = $1", [.text(session.user!.id)])
        }
        let store = CountingRunStore(SQLRunStores.make(database: harness.test.database))
        let unqueued = try await UnqueuedStarts(harness, token: session.token, store: store)
        var runIDs: [String] = []
        for _ in 0..<20 {
            runIDs.append(try await unqueued.start().id)
        }
        let hub = RunStatusHub(store: store, intervalMs: 50)
        let woken = LockedSet()
        let watchStarted = ContinuousClock.now
        let watchers = runIDs.map { id in
            Task {
                await hub.waitForChange(of: id, from: .queued)
                woken.insert(id)
            }
        }
        #expect(await eventually { hub.waiterCount == 20 })
        try await Task.sleep(for: .milliseconds(500))
        #expect(woken.values.isEmpty, "nothing changed, nobody woke")
        // The poller has run (on a loaded machine its first query may come late); the bound below is the property.
        #expect(await eventually { store.statusQueries >= 1 })
        let queries = store.statusQueries
        let ticks = (ContinuousClock.now - watchStarted) / .milliseconds(50)
        #expect(
            queries >= 1 && Double(queries) <= ticks + 2,
            "at most one query per 50 ms for all 20 watchers, not one each: \(queries) in \(ticks) ticks")

        // Another process moves half the runs on (here: straight in the database).
        let moved = Set(runIDs.prefix(10))
        try await harness.test.database.transaction { connection in
            for id in moved { try connection.execute("UPDATE runs SET status = 'running' WHERE id = $1", [.text(id)]) }
        }
        #expect(await eventually { woken.values == moved }, "exactly the watchers of the moved runs wake")
        #expect(hub.waiterCount == 10)

        // A change announced by this process wakes its watcher without waiting for the poll.
        hub.announce(runID: runIDs[10])
        #expect(await eventually { woken.values.contains(runIDs[10]) })

        // Cancelled watchers return, and with nobody watching the polling stops.
        for watcher in watchers { watcher.cancel() }
        for watcher in watchers { await watcher.value }
        #expect(hub.waiterCount == 0)
        try await Task.sleep(for: .milliseconds(200))
        let settled = store.statusQueries
        try await Task.sleep(for: .milliseconds(300))
        #expect(store.statusQueries == settled, "no queries while nobody watches")
        await harness.close()
    }

    @Test(
        "the audit finds a wallet that differs from its ledger and a failed run without its refund",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"),
        arguments: Engine.testable)
    func auditFindsOffenders(_ engine: Engine) async throws {
        guard let harness = try await AuthHarness.start(engine) else { return }
        let session = try await harness.signIn("tamper@demo.edu")
        let client = harness.client(token: session.token)
        let run = try await client.runs.startJobPack(Self.jobPack())
        _ = try await Self.finalState(client, run.id)
        #expect(try await Self.audit(harness).isClean)
        try await harness.test.database.transaction { connection in
            try connection.execute(
                "UPDATE credit_wallets SET silver = silver + 5 WHERE user_id = $1", [.text(session.user!.id)])
            try connection.execute("UPDATE runs SET status = 'failed' WHERE id = $1", [.text(run.id)])
        }
        let report = try await Self.audit(harness)
        #expect(report.offenders.count == 2, "\(report.offenders)")
        #expect(report.offenders.contains { $0.contains("silver 14 vs ledger 9") })
        #expect(report.offenders.contains { $0.contains("failed run \(run.id): 0 refunds, expected 1") })
        await client.close()
        await harness.close()
    }

    @Test(
        "the price list is public and complete",
        .enabled(if: TestServices.smtp, "needs Python with aiosmtpd (scripts/test.sh installs it)"))
    func featureCosts() async throws {
        guard let harness = try await AuthHarness.start(.sqlite) else { return }
        let costs = try await harness.client().wallet.featureCosts().costs
        #expect(costs.count == 8)
        #expect(
            costs.contains {
                $0.feature == "job_pack" && $0.plan == "free" && $0.currency == "silver" && $0.amount == 1
            })
        await harness.close()
    }
}

/// A queue that loses everything it is given (an enqueue lost after the commit).
final class LockedSet: Sendable {
    private let storage = Mutex<Set<String>>([])
    func insert(_ value: String) { _ = storage.withLock { $0.insert(value) } }
    var values: Set<String> { storage.withLock { $0 } }
}

/// Starts runs through a RunService whose queue drops everything: each run is committed and charged
/// but never queued, so only the sweeper or the test itself moves it on.
struct UnqueuedStarts {
    let service: RunService
    let principal: Principal

    init(_ harness: AuthHarness, token: String, store: any RunStore) async throws {
        service = RunService(store: store, queue: NoQueue(), costs: .builtIn, clock: harness.clock)
        principal = try #require(
            try await harness.server.runtime.auth.authenticate(authorization: "Bearer \(token)", tenant: "demo"))
    }

    func start() async throws -> Run {
        try await service.start(
            .jobPack(
                jobTitle: "Data Analyst", company: "Acme", jobDescription: "SQL and Python.",
                resumeText: RunsTests.jobPack().resumeText), by: principal,
            idempotencyKey: nil)
    }
}

/// The real store, counting the watch hub's status queries.
final class CountingRunStore: RunStore {
    private let store: any RunStore
    private let queries = Mutex(0)
    init(_ store: any RunStore) { self.store = store }
    var statusQueries: Int { queries.withLock { $0 } }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (any RunTransaction) throws -> T) async throws -> T {
        try await store.transaction(body)
    }
    func startRun(
        _ run: Run, input: RunInput, model: String, debit: LedgerEntry, idempotencyKey: String?,
        requestHash: String
    ) async throws -> StartRunOutcome {
        try await store.startRun(
            run, input: input, model: model, debit: debit, idempotencyKey: idempotencyKey, requestHash: requestHash)
    }
    func claimRun(id: String, nowUnix: Int64, takeOverBeforeUnix: Int64) async throws -> (run: Run, input: RunInput)? {
        try await store.claimRun(id: id, nowUnix: nowUnix, takeOverBeforeUnix: takeOverBeforeUnix)
    }
    func completeRun(id: String, attempt: Int, output: WorkflowOutput, nowUnix: Int64) async throws -> Bool {
        try await store.completeRun(id: id, attempt: attempt, output: output, nowUnix: nowUnix)
    }
    func runStatuses(ids: [String]) async throws -> [String: Run.Status] {
        queries.withLock { $0 += 1 }
        return try await store.runStatuses(ids: ids)
    }
}

struct NoQueue: JobQueue {
    func enqueue(runID: String) async throws {}
    func next(timeoutMs: Int) async throws -> QueueDelivery? { nil }
}

/// A workflow that succeeds at once with a fixed result (tests of the run machinery, not the tools).
struct FixedResultWorkflow: Workflow {
    func run(_ input: RunInput, for run: Run) async throws -> WorkflowOutput {
        WorkflowOutput(resultJSON: #"{"fixed":true}"#, usage: RunUsage(model: "fixed", modelCalls: 1))
    }
}
