import CoreMetrics
import RPCCore
import Synchronization

/// Calls by method and status code, and their latency, through swift-metrics (nothing until the
/// process bootstraps a backend). The method label is a routed path or `unknown`: a peer sending
/// made-up paths must not create series. Handles are cached per label set, so the hot path is one
/// dictionary lookup under a lock, not a registry lookup per call.
final class RPCMetrics: Sendable {
    static let calls = "careerai_rpc_calls_total"
    static let callDuration = "careerai_rpc_call_duration_seconds"
    static let refusedConnections = "careerai_rpc_connections_refused_total"
    static let unknownMethod = "unknown"

    private struct Key: Hashable {
        var method: String
        var code: StatusCode
    }

    private let knownPaths: Set<String>
    private let counters = Mutex<[Key: Counter]>([:])
    private let timers = Mutex<[String: CoreMetrics.Timer]>([:])

    init(knownPaths: Set<String>) {
        self.knownPaths = knownPaths
    }

    func callEnded(method path: String, code: StatusCode, durationNanoseconds: Int64) {
        let method = knownPaths.contains(path) ? path : Self.unknownMethod
        let key = Key(method: method, code: code)
        let counter = counters.withLock { cache in
            if let counter = cache[key] { return counter }
            let counter = Counter(label: Self.calls, dimensions: [("method", method), ("code", code.description)])
            cache[key] = counter
            return counter
        }
        counter.increment()
        let timer = timers.withLock { cache in
            if let timer = cache[method] { return timer }
            let timer = CoreMetrics.Timer(label: Self.callDuration, dimensions: [("method", method)])
            cache[method] = timer
            return timer
        }
        timer.recordNanoseconds(max(0, durationNanoseconds))
    }

    func connectionRefused() {
        Counter(label: Self.refusedConnections).increment()
    }
}
