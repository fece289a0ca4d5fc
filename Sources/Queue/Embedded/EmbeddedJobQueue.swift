import Domain
import Foundation
import Synchronization

/// The one-process queue (no CAREERAI_REDIS_URL): the same semantics as the Redis stream — a
/// delivery not acknowledged within the visibility timeout is delivered again — kept in memory.
/// Nothing is lost if the process dies: the runs are in the database and the sweeper re-queues them.
public final class EmbeddedJobQueue: JobQueue {
    public static let maxLength = 1_000_000

    private struct State {
        var ready: [String] = []
        var readyHead = 0
        var pending: [UInt64: (runID: String, deadline: ContinuousClock.Instant)] = [:]
        var nextDeliveryID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiterID: UInt64 = 0
    }

    private let state = Mutex(State())
    private let visibilityTimeout: Duration

    public init(visibilityTimeoutMs: Int = 60_000) {
        visibilityTimeout = .milliseconds(visibilityTimeoutMs)
    }

    public func enqueue(runID: String) async throws {
        let waiter: CheckedContinuation<Void, Never>? = try state.withLock { state in
            guard state.ready.count - state.readyHead < Self.maxLength else {
                throw DomainError(.unavailable, reason: .queueFull, "the run queue is full; try again shortly")
            }
            state.ready.append(runID)
            guard let id = state.waiters.keys.min() else { return nil }
            return state.waiters.removeValue(forKey: id)
        }
        waiter?.resume()
    }

    public func next(timeoutMs: Int) async throws -> QueueDelivery? {
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        while true {
            if let delivery = take() { return delivery }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero, !Task.isCancelled else { return nil }
            // Wait for an enqueue, or at most 100 ms (a pending delivery's visibility may run out).
            await wait(atMost: min(remaining, .milliseconds(100)))
        }
    }

    private func wait(atMost duration: Duration) async {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        // The timer or a cancellation may come before this call is registered as a waiter; the flag
        // (set before the lock is taken) makes the registration resume at once instead of missing it.
        let woken = WakeFlag()
        let wake: @Sendable () -> Void = { [self] in
            woken.set()
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
        let timer = Task {
            try? await Task.sleep(for: duration)
            wake()
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let readyNow = state.withLock { state -> Bool in
                    if state.readyHead < state.ready.count || woken.isSet { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if readyNow { continuation.resume() }
            }
        } onCancel: {
            wake()
        }
        timer.cancel()
    }

    private func take() -> QueueDelivery? {
        let now = ContinuousClock.now
        return state.withLock { state -> QueueDelivery? in
            let runID: String
            if let (id, expired) = state.pending.first(where: { $0.value.deadline <= now }) {
                runID = expired.runID  // its consumer died or hung: deliver it again
                state.pending.removeValue(forKey: id)
            } else if state.readyHead < state.ready.count {
                runID = state.ready[state.readyHead]
                state.readyHead += 1
                if state.readyHead > 1024 && state.readyHead * 2 > state.ready.count {
                    state.ready.removeFirst(state.readyHead)
                    state.readyHead = 0
                }
            } else {
                return nil
            }
            state.nextDeliveryID += 1
            let deliveryID = state.nextDeliveryID
            state.pending[deliveryID] = (runID, now + visibilityTimeout)
            return QueueDelivery(runID: runID) { [weak self] in
                self?.state.withLock { _ = $0.pending.removeValue(forKey: deliveryID) }
            }
        }
    }
}

private final class WakeFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .sequentiallyConsistent) }
    var isSet: Bool { flag.load(ordering: .sequentiallyConsistent) }
}
