import Synchronization

/// Group commit for a server with many callers and a database whose cost is per statement and per
/// commit more than per row: calls that arrive while `maxBatchesInFlight` batches are already at the
/// database wait, and the next batch takes up to `maxBatch` of them at once. An idle queue runs a call
/// at once, alone, so a lone caller waits for nothing.
///
/// Each batch is run by one of its own callers (the first in line when the previous batch ends), so no
/// caller's latency grows with the batches after its own. Items with the same `key` never share a
/// batch (two debits of one wallet in one statement would be one debit); the later one waits for the
/// next batch. A caller cancelled while it waits leaves at once and its item never runs; once its item
/// is in a batch, the batch runs to the end and the caller hears its own result.
final class BatchingQueue<Item: Sendable, Outcome: Sendable>: Sendable {

    /// Runs one batch: one result per item, in order.
    typealias RunBatch = @Sendable ([Item]) async -> [Result<Outcome, any Error>]

    private struct Waiter: Sendable {
        let id: UInt64
        let item: Item
        let continuation: CheckedContinuation<Turn, any Error>
    }

    private enum Turn: Sendable {
        case done(Result<Outcome, any Error>)
        /// Run a batch of your own item followed by these waiters' items.
        case lead(others: [Waiter])
    }

    private enum Decision { case leadAlone, wait, cancelled }

    private struct State {
        /// Oldest first. Non-empty only while `batchesInFlight == maxBatchesInFlight`.
        var waiting: [Waiter] = []
        var batchesInFlight = 0
        var nextWaiterID: UInt64 = 0
    }

    private let limits: BatchLimits
    private let key: @Sendable (Item) -> String
    private let runBatch: RunBatch
    private let state = Mutex(State())
    private let largest = Atomic<Int>(0)

    init(limits: BatchLimits = BatchLimits(), key: @escaping @Sendable (Item) -> String, runBatch: @escaping RunBatch) {
        precondition(limits.maxBatch >= 1 && limits.maxBatchesInFlight >= 1)
        self.limits = limits
        self.key = key
        self.runBatch = runBatch
    }

    /// Calls waiting for a batch (for tests).
    var waitingCount: Int { state.withLock { $0.waiting.count } }
    /// The most items one batch has held so far (for tests).
    var largestBatch: Int { largest.load(ordering: .relaxed) }

    func submit(_ item: Item) async throws -> Outcome {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        let turn = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Turn, any Error>) in
                let decision = state.withLock { state -> Decision in
                    if Task.isCancelled { return .cancelled }
                    if state.batchesInFlight < limits.maxBatchesInFlight {
                        precondition(state.waiting.isEmpty, "nobody waits while a batch could start")
                        state.batchesInFlight += 1
                        return .leadAlone
                    }
                    state.waiting.append(Waiter(id: id, item: item, continuation: continuation))
                    return .wait
                }
                switch decision {
                case .leadAlone: continuation.resume(returning: .lead(others: []))
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .wait: break
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiting.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiting.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
        switch turn {
        case .done(let result):
            return try result.get()
        case .lead(let others):
            return try await lead(item, others: others).get()
        }
    }

    /// Runs the batch, starts the next one (led by its first waiter), then answers this batch's others.
    private func lead(_ item: Item, others: [Waiter]) async -> Result<Outcome, any Error> {
        let items = [item] + others.map(\.item)
        largest.max(items.count, ordering: .relaxed)
        // Not this caller's task: a deadline or CANCEL of the leader must not fail the others' items.
        let results = await Task { [runBatch] in await runBatch(items) }.value
        precondition(results.count == items.count, "a batch answers each of its items")
        handOff()
        for (waiter, result) in zip(others, results.dropFirst()) {
            waiter.continuation.resume(returning: .done(result))
        }
        return results[0]
    }

    private func handOff() {
        let next = state.withLock { state -> (leader: Waiter, others: [Waiter])? in
            guard !state.waiting.isEmpty else {
                state.batchesInFlight -= 1
                return nil
            }
            var taken: [Waiter] = []
            var takenKeys = Set<String>()
            var left: [Waiter] = []
            for waiter in state.waiting {
                if taken.count < limits.maxBatch, takenKeys.insert(key(waiter.item)).inserted {
                    taken.append(waiter)
                } else {
                    left.append(waiter)
                }
            }
            state.waiting = left
            return (taken[0], Array(taken.dropFirst()))
        }
        if let next { next.leader.continuation.resume(returning: .lead(others: next.others)) }
    }
}

/// How big a batch may grow, and how many may be at the database at once. Two: while one commits (its
/// WAL flush), the next fills.
struct BatchLimits: Sendable {
    var maxBatch = 32
    var maxBatchesInFlight = 2
}

extension Result where Failure == any Error {
    /// The outcome of an async throwing call, as a value.
    static func catching(_ body: () async throws -> Success) async -> Self {
        do {
            return .success(try await body())
        } catch {
            return .failure(error)
        }
    }
}
