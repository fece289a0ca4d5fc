/// What a worker does with one delivery: claim the run (queued → running, atomically), run its
/// workflow with a time limit and a heartbeat, then record the outcome in one transaction — success:
/// result + debit completed; failure after the last attempt: failed + a refund row + credits back,
/// at most once (the database's one-refund-per-run index makes a repeated refund a no-op).
public struct RunProcessor: Sendable {
    public struct Limits: Sendable {
        public var jobTimeout = Duration.seconds(120)
        public var heartbeat = Duration.seconds(5)
        /// A run whose worker has not beaten for this long may be taken over when the queue
        /// delivers it again (the same timeout after which the queue redelivers).
        public var visibilityTimeout = Duration.seconds(60)

        public init() {}
    }

    public enum Outcome: Sendable, Equatable {
        case succeeded, failed, retried, notClaimed
    }

    private let store: any RunStore
    private let queue: any JobQueue
    private let workflows: @Sendable (Run.Kind) -> any Workflow
    private let clock: any WallClock
    private let limits: Limits
    /// Told the run id after every status change this processor makes (the watch hub).
    let statusChanged: @Sendable (String) -> Void

    public init(
        store: any RunStore, queue: any JobQueue, workflows: @escaping @Sendable (Run.Kind) -> any Workflow,
        clock: any WallClock = SystemWallClock(), limits: Limits = Limits(),
        statusChanged: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.store = store
        self.queue = queue
        self.workflows = workflows
        self.clock = clock
        self.limits = limits
        self.statusChanged = statusChanged
    }

    public func process(runID: String) async throws -> Outcome {
        let now = clock.nowUnix
        guard
            let (run, input) = try await store.claimRun(
                id: runID, nowUnix: now, takeOverBeforeUnix: now - limits.visibilityTimeout.wholeSeconds)
        else {
            return .notClaimed
        }
        statusChanged(run.id)

        let result: Result<WorkflowOutput, WorkflowError> = await withHeartbeat(runID: run.id, attempt: run.attempts) {
            await Self.withTimeout(limits.jobTimeout) { try await workflows(run.kind).run(input, for: run) }
        }
        switch result {
        case .success(let output):
            if try await store.completeRun(id: run.id, attempt: run.attempts, output: output, nowUnix: clock.nowUnix) {
                DomainMetrics.runFinished(run.kind, .succeeded)
            }
            statusChanged(run.id)
            return .succeeded
        case .failure(let error) where error.retryable && run.attempts < run.maxAttempts:
            let now = clock.nowUnix
            _ = try await store.transaction { tx in
                try tx.addUsage(runID: run.id, error.usage)
                return try tx.requeueRun(id: run.id, attempt: run.attempts, nowUnix: now)
            }
            statusChanged(run.id)
            try? await queue.enqueue(runID: run.id)
            return .retried
        case .failure(let error):
            try await failAndRefund(run: run, reason: error.reason, usage: error.usage)
            return .failed
        }
    }

    /// Fails the run and gives its credits back, exactly once: repeated calls change nothing. Only
    /// while the run is still at `run.attempts`: a worker that was taken over (its run claimed again
    /// by another) changes nothing.
    /// `usage`: what this attempt's model calls cost, added to the run's.
    public func failAndRefund(run: Run, reason: String, usage: RunUsage = RunUsage()) async throws {
        let now = clock.nowUnix
        let failed = try await store.transaction { tx -> Bool in
            guard try tx.failRun(id: run.id, attempt: run.attempts, reason: reason, nowUnix: now) else { return false }
            try tx.addUsage(runID: run.id, usage)
            try tx.setDebitStatus(runID: run.id, .failed)
            guard run.cost.amount > 0 else { return true }
            let refunded = try tx.post(
                LedgerEntry(
                    id: TimeOrderedID.make(), userID: run.userID, universityID: run.universityID,
                    feature: run.kind.feature,
                    currency: run.cost.currency, amount: run.cost.amount, kind: .refund, runID: run.id,
                    status: .completed,
                    metadata: LedgerEntry.metadata(["reason": String(reason.prefix(200))]), idempotencyKey: nil,
                    createdAtUnix: now))
            assert(refunded, "a refund adds credits and is never refused")
            return true
        }
        if failed {
            DomainMetrics.runFinished(run.kind, .failed)
            if run.cost.amount > 0 { DomainMetrics.refunded(run.kind.feature, run.cost) }
        }
        statusChanged(run.id)
    }

    private func withHeartbeat<T: Sendable>(runID: String, attempt: Int, _ body: @Sendable () async -> T) async -> T {
        let store = self.store
        let clock = self.clock
        let interval = limits.heartbeat
        let beat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled else { return }
                let now = clock.nowUnix
                _ = try? await store.transaction { tx in try tx.heartbeat(runID: runID, attempt: attempt, nowUnix: now)
                }
            }
        }
        defer { beat.cancel() }
        return await body()
    }

    static func withTimeout(_ limit: Duration, _ body: @escaping @Sendable () async throws -> WorkflowOutput) async
        -> Result<WorkflowOutput, WorkflowError>
    {
        await withTaskGroup(of: Result<WorkflowOutput, WorkflowError>?.self) { group in
            group.addTask {
                do {
                    return .success(try await body())
                } catch let error as WorkflowError {
                    return .failure(error)
                } catch is CancellationError {
                    return nil
                } catch {
                    return .failure(WorkflowError(reason: "WORKFLOW_ERROR: \(error)", retryable: true))
                }
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return Task.isCancelled
                    ? nil
                    : .failure(
                        WorkflowError(
                            reason: "JOB_TIMEOUT: no result within \(limit.wholeMilliseconds) ms", retryable: true))
            }
            var outcome: Result<WorkflowOutput, WorkflowError> = .failure(
                WorkflowError(reason: "CANCELLED", retryable: true))
            for await result in group {
                if let result {
                    outcome = result
                    break
                }
            }
            group.cancelAll()
            return outcome
        }
    }
}
