import Synchronization

/// Wakes WatchRun callers when their run's status may have changed. Changes made in this process
/// (its worker, its sweeper) are announced at once; changes made elsewhere (workers reading Redis)
/// are found by one query per interval for every watched run together — not one query per watcher,
/// which is what a thousand open `careerai run … --wait` would otherwise cost.
public final class RunStatusHub: Sendable {
    /// Run ids per status query: bounds the statement's size however many runs are watched.
    public static let maxIDsPerQuery = 500

    private let store: any RunStore
    private let intervalMs: Int
    private let state = Mutex(State())

    private struct Waiter {
        let known: Run.Status
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var nextWaiterID: UInt64 = 0
        /// By run id, then by waiter.
        var waiters: [String: [UInt64: Waiter]] = [:]
        /// A poll task runs while anybody waits, and ends when nobody does.
        var polling = false
    }

    public init(store: any RunStore, intervalMs: Int = 200) {
        precondition(intervalMs > 0)
        self.store = store
        self.intervalMs = intervalMs
    }

    /// Returns once the run's status may differ from `known`: it was announced, the poll saw another
    /// status (or no run), or the calling task was cancelled. The caller reads the run again.
    public func waitForChange(of runID: String, from known: Run.Status) async {
        let waiterID = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                enum Registration { case waiting, waitingFirst, cancelled }
                let registration = state.withLock { state -> Registration in
                    if Task.isCancelled { return .cancelled }
                    state.waiters[runID, default: [:]][waiterID] = Waiter(known: known, continuation: continuation)
                    guard !state.polling else { return .waiting }
                    state.polling = true
                    return .waitingFirst
                }
                switch registration {
                case .cancelled: continuation.resume()
                case .waiting: break
                case .waitingFirst: Task { await self.pollWhileWatched() }
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                let waiter = state.waiters[runID]?.removeValue(forKey: waiterID)
                if state.waiters[runID]?.isEmpty == true { state.waiters[runID] = nil }
                return waiter
            }
            waiter?.continuation.resume()
        }
    }

    /// The run's status changed in this process: its watchers look at once.
    public func announce(runID: String) {
        guard let woken = state.withLock({ $0.waiters.removeValue(forKey: runID) }) else { return }
        for waiter in woken.values { waiter.continuation.resume() }
    }

    /// How many callers wait (for tests and metrics).
    public var waiterCount: Int { state.withLock { $0.waiters.values.reduce(0) { $0 + $1.count } } }

    private func pollWhileWatched() async {
        while true {
            try? await Task.sleep(for: .milliseconds(intervalMs))
            let watched = state.withLock { state -> [String]? in
                if state.waiters.isEmpty {
                    state.polling = false
                    return nil
                }
                return Array(state.waiters.keys)
            }
            guard let watched else { return }
            for start in stride(from: 0, to: watched.count, by: Self.maxIDsPerQuery) {
                let ids = Array(watched[start..<min(start + Self.maxIDsPerQuery, watched.count)])
                // A failed query wakes nobody; the next interval asks again.
                guard let statuses = try? await store.runStatuses(ids: ids) else { continue }
                wake(ids: ids, statuses: statuses)
            }
        }
    }

    /// Wakes the watchers whose known status is not the current one (or whose run is gone).
    private func wake(ids: [String], statuses: [String: Run.Status]) {
        let woken = state.withLock { state -> [Waiter] in
            var woken: [Waiter] = []
            for id in ids {
                guard let waiters = state.waiters[id] else { continue }
                let current = statuses[id]
                let changed = waiters.filter { $0.value.known != current }
                guard !changed.isEmpty else { continue }
                woken.append(contentsOf: changed.values)
                let remaining = waiters.filter { $0.value.known == current }
                state.waiters[id] = remaining.isEmpty ? nil : remaining
            }
            return woken
        }
        for waiter in woken { waiter.continuation.resume() }
    }
}
