import ServiceLifecycle
import Synchronization

/// Tells long-lived responses (event streams) that the process is shutting down, so they end cleanly
/// and the server can drain: Hummingbird waits for open responses, and an event stream never ends by itself.
final class ShutdownSignal: Sendable {
    private struct State {
        var isShuttingDown = false
        var waiters: [Int: @Sendable () -> Void] = [:]
        var nextID = 0
    }
    private let state = Mutex(State())

    /// Runs `onShutdown` once when shutdown begins (at once if it has); the returned id cancels it.
    func register(_ onShutdown: @escaping @Sendable () -> Void) -> Int? {
        let id: Int? = state.withLock { state in
            if state.isShuttingDown { return nil }
            state.nextID += 1
            state.waiters[state.nextID] = onShutdown
            return state.nextID
        }
        if id == nil { onShutdown() }
        return id
    }

    func unregister(_ id: Int?) {
        guard let id else { return }
        _ = state.withLock { $0.waiters.removeValue(forKey: id) }
    }

    func trigger() {
        let waiters = state.withLock { state in
            state.isShuttingDown = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter() }
    }
}

/// The service that triggers the signal: listed after the HTTP server in the group, so it is told of
/// the graceful shutdown first (the group shuts services down in reverse order).
struct ShutdownSignalService: Service {
    let signal: ShutdownSignal

    func run() async throws {
        try? await gracefulShutdown()
        signal.trigger()
    }
}
