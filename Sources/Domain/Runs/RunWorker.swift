/// A worker: takes deliveries from the queue and processes up to `concurrency` runs at once, until
/// its task is cancelled (graceful shutdown: runs in flight finish; undelivered ones stay queued).
public struct RunWorker: Sendable {
    public static let concurrencyRange = 1...256

    private let queue: any JobQueue
    private let processor: RunProcessor
    private let concurrency: Int
    private let pollTimeoutMs: Int

    public init(queue: any JobQueue, processor: RunProcessor, concurrency: Int, pollTimeoutMs: Int = 1_000) {
        precondition(Self.concurrencyRange.contains(concurrency))
        self.queue = queue
        self.processor = processor
        self.concurrency = concurrency
        self.pollTimeoutMs = pollTimeoutMs
    }

    public func run(onError: @escaping @Sendable (any Error) -> Void = { _ in }) async {
        await withTaskGroup(of: Void.self) { group in
            var inFlight = 0
            while !Task.isCancelled {
                if inFlight >= concurrency {
                    await group.next()
                    inFlight -= 1
                    continue
                }
                let delivery: QueueDelivery?
                do {
                    delivery = try await queue.next(timeoutMs: pollTimeoutMs)
                } catch {
                    onError(error)
                    try? await Task.sleep(for: .milliseconds(200))
                    continue
                }
                guard let delivery else { continue }
                inFlight += 1
                let processor = self.processor
                // Runs in flight are not cancelled by shutdown: they finish and record their outcome.
                group.addTask {
                    await Task {
                        do {
                            _ = try await processor.process(runID: delivery.runID)
                            try await delivery.acknowledge()
                        } catch {
                            onError(error)  // not acknowledged: redelivered after the visibility timeout
                        }
                    }.value
                }
            }
            await group.waitForAll()
        }
    }
}

/// Finds what the queue lost: runs committed but never picked up (an enqueue lost after commit, or a
/// queue that lost its data) are queued again; runs whose worker stopped beating are queued again,
/// or failed and refunded once out of attempts.
public struct RunSweeper: Sendable {
    public struct Limits: Sendable {
        /// A queued run not picked up for this long is queued again.
        public var requeueAfter = Duration.seconds(30)
        /// A running run without a heartbeat for this long has lost its worker.
        public var visibilityTimeout = Duration.seconds(60)
        public var batch = 500

        public init() {}
    }

    private let store: any RunStore
    private let queue: any JobQueue
    private let processor: RunProcessor
    private let clock: any WallClock
    private let limits: Limits

    public init(
        store: any RunStore, queue: any JobQueue, processor: RunProcessor, clock: any WallClock = SystemWallClock(),
        limits: Limits = Limits()
    ) {
        self.store = store
        self.queue = queue
        self.processor = processor
        self.clock = clock
        self.limits = limits
    }

    /// One pass; returns how many runs were queued again and how many failed.
    @discardableResult
    public func sweep() async throws -> (requeued: Int, failed: Int) {
        let now = clock.nowUnix
        let limits = self.limits
        let runs = try await store.transaction { tx in
            try tx.runsNeedingAttention(
                queuedBeforeUnix: now - limits.requeueAfter.wholeSeconds,
                heartbeatBeforeUnix: now - limits.visibilityTimeout.wholeSeconds, limit: limits.batch)
        }
        var requeued = 0
        var failed = 0
        for run in runs {
            if run.status == .running && run.attempts >= run.maxAttempts {
                try await processor.failAndRefund(run: run, reason: "WORKER_LOST: no heartbeat after the last attempt")
                failed += 1
                continue
            }
            let moved = try await store.transaction { tx in
                if run.status == .running {
                    let staleBefore = now - limits.visibilityTimeout.wholeSeconds
                    guard try tx.requeueStaleRun(id: run.id, nowUnix: now, heartbeatBeforeUnix: staleBefore) else {
                        return false
                    }
                }
                try tx.markEnqueued(runID: run.id, nowUnix: now)
                return true
            }
            if moved {
                processor.statusChanged(run.id)
                try await queue.enqueue(runID: run.id)
                requeued += 1
            }
        }
        return (requeued, failed)
    }

    /// Sweeps every `intervalMs` until cancelled.
    public func run(interval: Duration, onError: @escaping @Sendable (any Error) -> Void = { _ in }) async {
        while !Task.isCancelled {
            do { try await sweep() } catch { onError(error) }
            try? await Task.sleep(for: interval)
        }
    }
}
