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

    /// The current status, then every change, until the consumer stops iterating.
    public func updates() -> AsyncStream<Serving> {
        // Only the newest status matters to a watcher that falls behind.
        let (stream, continuation) = AsyncStream<Serving>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id: Int = state.withLock { state in
            let id = state.nextWatcherID
            state.nextWatcherID += 1
            state.watchers[id] = continuation
            continuation.yield(state.current)
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
        }
        return stream
    }
}
