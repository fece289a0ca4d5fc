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
        var emptyWaiters: [CheckedContinuation<Void, Never>] = []
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
                    return state.emptyWaiters
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

    /// Returns once no connection is open.
    func waitUntilEmpty() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state in
                if state.entries.isEmpty { return true }
                state.emptyWaiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}
