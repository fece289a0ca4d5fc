import Synchronization

/// Whether the server takes calls, observable for `HealthService/Watch`.
public final class HealthStatus: Sendable {
    public enum Serving: String, Sendable {
        case serving = "SERVING"
        case notServing = "NOT_SERVING"
    }

    private struct State {
        var current: Serving = .serving
        var nextWatcherID = 0
        var watchers: [Int: AsyncStream<Serving>.Continuation] = [:]
        var final = false
    }

    private let state = Mutex(State())
    public let startedAt = ContinuousClock.now

    public init() {}

    public var current: Serving { state.withLock { $0.current } }

    public func set(_ serving: Serving) {
        let watchers: [AsyncStream<Serving>.Continuation] = state.withLock { state in
            guard state.current != serving else { return [] }
            state.current = serving
            return Array(state.watchers.values)
        }
        for watcher in watchers { watcher.yield(serving) }
    }

    /// Sets the last status (NOT_SERVING on shutdown) and ends every watch after telling it, so that
    /// long-lived Watch streams do not hold a draining server open.
    public func setFinal(_ serving: Serving) {
        let (watchers, changed) = state.withLock { state in
            let changed = state.current != serving
            state.current = serving
            state.final = true
            defer { state.watchers.removeAll() }
            return (Array(state.watchers.values), changed)
        }
        for watcher in watchers {
            if changed { watcher.yield(serving) }  // one message per change, never a repeat
            watcher.finish()
        }
    }

    /// The current status, then every change, until the consumer stops iterating or the status is final.
    public func updates() -> AsyncStream<Serving> {
        // Only the newest status matters to a watcher that falls behind.
        let (stream, continuation) = AsyncStream<Serving>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id: Int = state.withLock { state in
            let id = state.nextWatcherID
            state.nextWatcherID += 1
            continuation.yield(state.current)
            if state.final {
                continuation.finish()
            } else {
                state.watchers[id] = continuation
            }
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
        }
        return stream
    }
}
