import CoreMetrics
import Prometheus
import Synchronization

/// The process's swift-metrics backend: a Prometheus registry, bootstrapped once (swift-metrics
/// allows one bootstrap per process) by `serve` or `worker` when CAREERAI_METRICS_ADDR is set.
/// Without it every metric in the code is a no-op.
enum MetricsBackend {
    private static let registry = Mutex<PrometheusCollectorRegistry?>(nil)

    /// The registry, bootstrapping swift-metrics with it on first use.
    static func bootstrap() -> PrometheusCollectorRegistry {
        registry.withLock { existing in
            if let existing { return existing }
            let registry = PrometheusCollectorRegistry()
            var factory = PrometheusMetricsFactory(registry: registry)
            // RPC calls take microseconds to seconds; the default buckets start at 5 ms.
            factory.durationHistogramBuckets["careerai_rpc_call_duration_seconds"] = [
                .microseconds(250), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30),
            ]
            MetricsSystem.bootstrap(factory)
            existing = registry
            return registry
        }
    }
}
