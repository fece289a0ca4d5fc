import Synchronization

/// The server's open connections, so that a shutdown can send each a GOAWAY and wait for them to close.
final class ConnectionRegistry: Sendable {
    private struct Entry {
        let goaway: @Sendable () -> Void
        let close: @Sendable () -> Void
    }

    private struct State {
        var nextID = 0
        var entries: [Int: Entry] = [:]
        var nextWaiterID = 0
        var emptyWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    var count: Int { state.withLock { $0.entries.count } }

    /// Registers a connection; the returned events report its opening and closing.
    func makeEvents() -> ConnectionEvents {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        return ConnectionEvents(
            opened: { [self] goaway, close in
                state.withLock { $0.entries[id] = Entry(goaway: goaway, close: close) }
            },
            closed: { [self] in
                let waiters: [CheckedContinuation<Void, Never>] = state.withLock { state in
                    state.entries.removeValue(forKey: id)
                    guard state.entries.isEmpty else { return [] }
                    defer { state.emptyWaiters.removeAll() }
                    return Array(state.emptyWaiters.values)
                }
                for waiter in waiters { waiter.resume() }
            })
    }

    func goawayAll() {
        for entry in state.withLock({ Array($0.entries.values) }) { entry.goaway() }
    }

    func closeAll() {
        for entry in state.withLock({ Array($0.entries.values) }) { entry.close() }
    }

    /// Returns once no connection is open, or when the calling task is cancelled: the drain's
    /// timeout cancels it, so a connection whose close is never reported cannot hold a shutdown.
    func waitUntilEmpty() async {
        let id = state.withLock { state in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.entries.isEmpty || Task.isCancelled { return true }
                    state.emptyWaiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.emptyWaiters.removeValue(forKey: id) }?.resume()
        }
    }
}
