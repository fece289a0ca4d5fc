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
        /// Open connections by client address (only addresses with one or more; at most one entry per
        /// open connection, so bounded by `maxConnections`).
        var perAddress: [String: Int] = [:]
        var nextWaiterID = 0
        var emptyWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    var count: Int { state.withLock { $0.entries.count } }

    /// Admits a new connection from `address` (nil: unknown, not counted) unless that address already
    /// has `maxPerAddress` open, or the server has `maxTotal`; the events report its opening and
    /// closing. Nil when refused: the caller closes the channel.
    func admit(address: String?, maxPerAddress: Int, maxTotal: Int) -> ConnectionEvents? {
        let admitted: Int? = state.withLock { state in
            guard state.entries.count < maxTotal else { return nil }
            if let address {
                let open = state.perAddress[address, default: 0]
                guard open < maxPerAddress else { return nil }
                state.perAddress[address] = open + 1
            }
            defer { state.nextID += 1 }
            return state.nextID
        }
        guard let id = admitted else { return nil }
        return makeEvents(id: id, address: address)
    }

    /// Registers a connection that no limit applies to (tests of the registry itself).
    func makeEvents() -> ConnectionEvents {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        return makeEvents(id: id, address: nil)
    }

    private func makeEvents(id: Int, address: String?) -> ConnectionEvents {
        return ConnectionEvents(
            opened: { [self] goaway, close in
                state.withLock { $0.entries[id] = Entry(goaway: goaway, close: close) }
            },
            closed: { [self] in
                let waiters: [CheckedContinuation<Void, Never>] = state.withLock { state in
                    state.entries.removeValue(forKey: id)
                    if let address, let open = state.perAddress[address] {
                        state.perAddress[address] = open > 1 ? open - 1 : nil
                    }
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
