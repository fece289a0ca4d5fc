import Domain
import Testing

@Suite("RunService and the run processor on in-memory ports")
struct RunServiceTests {
    static let jobPack = RunInput.jobPack(
        jobTitle: "Engineer", company: "Acme", jobDescription: "Build.", resumeText: "I built.")

    @Test("a start debits the cost in the same step as the run, queues it, and the ledger explains the wallet")
    func startDebits() async throws {
        let world = try await DomainWorld.make()
        let student = try await world.signIn("s@demo.edu")
        let run = try await world.runs.start(Self.jobPack, by: student, idempotencyKey: nil)
        let cost = FeatureCosts.builtIn.cost(of: .jobPack, plan: .free)
        #expect(run.status == .queued && run.cost == cost)
        #expect(world.queue.queued == [run.id])
        let wallet = try await world.wallets.wallet(of: student)
        #expect(wallet.balance(cost.currency) == world.demo.defaultSilverOrGold(cost.currency) - cost.amount)
        let debit = try #require(world.store.snapshot.ledger.first { $0.runID == run.id })
        #expect(debit.kind == .debit && debit.amount == -cost.amount && debit.status == .pending)
        #expect(try await world.audit().isClean)
    }

    @Test("too few credits: INSUFFICIENT_CREDITS with the figures, and nothing is written")
    func insufficient() async throws {
        let world = try await DomainWorld.make()
        let student = try await world.signIn("poor@demo.edu")
        let cost = FeatureCosts.builtIn.cost(of: .jobPack, plan: .free)
        world.store.mutate { $0.wallets[student.user.id] = Wallet(silver: 0, gold: 0, updatedAtUnix: 0) }
        world.store.mutate { state in state.ledger.removeAll { $0.userID == student.user.id } }
        let error = await domainError { _ = try await world.runs.start(Self.jobPack, by: student, idempotencyKey: nil) }
        #expect(error?.reason == "INSUFFICIENT_CREDITS" && error?.kind == .resourceExhausted)
        #expect(error?.details["currency"] == cost.currency.rawValue && error?.details["required"] == "\(cost.amount)")
        #expect(error?.details["available"] == "0")
        #expect(world.store.snapshot.runs.isEmpty && world.queue.queued.isEmpty)
    }

    @Test("the same idempotency key returns the same run, charged once; with another request it is refused")
    func idempotency() async throws {
        let world = try await DomainWorld.make()
        let student = try await world.signIn("twice@demo.edu")
        let first = try await world.runs.start(Self.jobPack, by: student, idempotencyKey: "k-1")
        let again = try await world.runs.start(Self.jobPack, by: student, idempotencyKey: "k-1")
        #expect(first.id == again.id)
        #expect(world.store.snapshot.ledger.filter { $0.kind == .debit }.count == 1)
        let other = RunInput.jobPack(
            jobTitle: "Other", company: "Acme", jobDescription: "Build.", resumeText: "I built.")
        let reused = await domainError { _ = try await world.runs.start(other, by: student, idempotencyKey: "k-1") }
        #expect(reused?.reason == "IDEMPOTENCY_KEY_REUSED")
        let badKey = await domainError {
            _ = try await world.runs.start(Self.jobPack, by: student, idempotencyKey: "a b")
        }
        #expect(badKey?.details["field"] == "idempotency-key")
    }

    @Test("100 concurrent starts on a wallet that pays for 10: exactly 10 runs, the rest INSUFFICIENT_CREDITS")
    func concurrentStarts() async throws {
        let world = try await DomainWorld.make()
        let student = try await world.signIn("rush@demo.edu")
        let cost = FeatureCosts.builtIn.cost(of: .jobPack, plan: .free)
        try await world.store.transaction { (tx: any LedgerTransaction) in
            let wallet = try tx.wallet(in: student.user.universityID, userID: student.user.id)!
            let top = cost.amount * 10 - wallet.balance(cost.currency)
            _ = try tx.post(
                LedgerEntry(
                    id: TimeOrderedID.make(), userID: student.user.id, universityID: student.user.universityID,
                    feature: nil, currency: cost.currency, amount: top, kind: .topup, runID: nil, status: .completed,
                    metadata: "{}", idempotencyKey: nil, createdAtUnix: 1))
        }
        let outcomes = await withTaskGroup(of: String.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    do {
                        _ = try await world.runs.start(Self.jobPack, by: student, idempotencyKey: nil)
                        return "started"
                    } catch let error as DomainError {
                        return error.reason
                    } catch {
                        return "\(error)"
                    }
                }
            }
            return await group.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
        }
        #expect(outcomes == ["started": 10, "INSUFFICIENT_CREDITS": 90])
        #expect(try await world.wallets.wallet(of: student).balance(cost.currency) == 0)
        #expect(try await world.audit().isClean)
    }

    @Test("unverified users cannot spend; inputs out of bounds name their field")
    func validation() async throws {
        let world = try await DomainWorld.make()
        var student = try await world.signIn("v@demo.edu")
        student.user.emailVerified = false
        let unverified = await domainError {
            _ = try await world.runs.start(Self.jobPack, by: student, idempotencyKey: nil)
        }
        #expect(unverified?.reason == "EMAIL_NOT_VERIFIED")
        student.user.emailVerified = true
        let blank = RunInput.jobPack(jobTitle: " \u{00A0}", company: "A", jobDescription: "D", resumeText: "R")
        let error = await domainError { _ = try await world.runs.start(blank, by: student, idempotencyKey: nil) }
        #expect(error?.kind == .invalidArgument && error?.details["field"] == "job_title")
        let long = RunInput.jobPack(
            jobTitle: "T", company: "A",
            jobDescription: String(repeating: "d", count: RunService.maxJobDescription + 1),
            resumeText: "R")
        let tooLong = await domainError { _ = try await world.runs.start(long, by: student, idempotencyKey: nil) }
        #expect(tooLong?.details["field"] == "job_description")
    }

    @Test("runs are visible to their owner and their university's admins only")
    func visibility() async throws {
        let world = try await DomainWorld.make()
        let owner = try await world.signIn("owner@demo.edu")
        let classmate = try await world.signIn("classmate@demo.edu")
        let admin = try await world.signIn("admin@demo.edu", role: .universityAdmin)
        let run = try await world.runs.start(Self.jobPack, by: owner, idempotencyKey: nil)
        #expect(try await world.runs.get(id: run.id, by: owner).id == run.id)
        #expect(try await world.runs.get(id: run.id, by: admin).id == run.id)
        let hidden = await domainError { _ = try await world.runs.get(id: run.id, by: classmate) }
        #expect(hidden?.reason == "RUN_NOT_FOUND")
        #expect(try await world.runs.list(by: owner, pageSize: 0, pageToken: "").runs.map(\.id) == [run.id])
        #expect(try await world.runs.list(by: classmate, pageSize: 0, pageToken: "").runs.isEmpty)
    }

    @Test("a run that always fails: retried to its last attempt, then failed and refunded exactly once")
    func failureRefundsOnce() async throws {
        let world = try await DomainWorld.make()
        let student = try await world.signIn("unlucky@demo.edu")
        let before = try await world.wallets.wallet(of: student)
        let run = try await world.runs.start(Self.jobPack, by: student, idempotencyKey: nil)
        let processor = world.processor(.failure(WorkflowError(reason: "MODEL_DOWN", retryable: true)))
        var outcomes: [RunProcessor.Outcome] = []
        for _ in 0..<RunService.defaultMaxAttempts { outcomes.append(try await processor.process(runID: run.id)) }
        #expect(outcomes == [.retried, .retried, .failed])
        #expect(try await processor.process(runID: run.id) == .notClaimed)
        let failed = try #require(try await world.runs.get(id: run.id, by: student))
        #expect(failed.status == .failed && failed.errorReason == "MODEL_DOWN" && failed.attempts == 3)
        // The refund step again (a worker retrying after a crash): nothing changes.
        try await processor.failAndRefund(run: failed, reason: "again")
        #expect(
            try await world.wallets.wallet(of: student)
                == Wallet(silver: before.silver, gold: before.gold, updatedAtUnix: world.clock.nowUnix))
        let ledger = world.store.snapshot.ledger.filter { $0.runID == run.id }
        #expect(ledger.map(\.kind) == [.debit, .refund] && ledger.first?.status == .failed)
        #expect(try await world.audit().isClean)
    }

    @Test("a run that succeeds keeps its result and completes its debit; the sweeper re-queues a lost run")
    func successAndSweeper() async throws {
        let world = try await DomainWorld.make()
        let student = try await world.signIn("lucky@demo.edu")
        let run = try await world.runs.start(Self.jobPack, by: student, idempotencyKey: nil)
        #expect(try await world.processor(.success(#"{"ok":true}"#)).process(runID: run.id) == .succeeded)
        let done = try await world.runs.get(id: run.id, by: student)
        #expect(done.status == .succeeded && done.resultJSON == #"{"ok":true}"#)
        #expect(world.store.snapshot.ledger.first { $0.runID == run.id }?.status == .completed)

        let lost = try await world.runs.start(Self.jobPack, by: student, idempotencyKey: nil)
        let sweeper = RunSweeper(
            store: world.store, queue: world.queue, processor: world.processor(.success("{}")), clock: world.clock)
        let early = try await sweeper.sweep()
        #expect(early.requeued == 0 && early.failed == 0, "nothing is stale yet")
        world.clock.advance(seconds: 31)
        let swept = try await sweeper.sweep()
        #expect(swept.requeued == 1 && swept.failed == 0)
        #expect(world.queue.queued.filter { $0 == lost.id }.count == 2)
    }
}

extension University {
    func defaultSilverOrGold(_ currency: Currency) -> Int64 { currency == .silver ? defaultSilver : defaultGold }
}
