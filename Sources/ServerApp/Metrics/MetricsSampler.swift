import CoreMetrics
import Domain
import Logging

/// The gauges read from the database rather than counted where things happen: runs by status, the
/// queue's depth (queued runs) and the age of its longest-waiting run. Sampled every `interval` in
/// the background, so a scrape never waits on the database and a flood of scrapes costs it nothing.
struct MetricsSampler: Sendable {
    static let runs = "careerai_runs"
    static let queueDepth = "careerai_queue_depth"
    static let queueOldestAge = "careerai_queue_oldest_age_seconds"
    static let sampleFailures = "careerai_metrics_sample_failures_total"

    let store: any RunStore
    let clock: any WallClock
    /// Extra gauges of the process (the RPC server's open connections).
    let extra: @Sendable () -> Void
    let logger: Logger

    func sampleOnce() async {
        extra()
        do {
            let snapshot = try await store.transaction { try $0.statusSnapshot() }
            for status in [Run.Status.queued, .running, .succeeded, .failed] {
                Gauge(label: Self.runs, dimensions: [("status", status.rawValue)])
                    .record(snapshot.counts[status] ?? 0)
            }
            Gauge(label: Self.queueDepth).record(snapshot.counts[.queued] ?? 0)
            let age = snapshot.oldestQueuedAtUnix.map { max(0, clock.nowUnix - $0) } ?? 0
            Gauge(label: Self.queueOldestAge).record(age)
        } catch {
            Counter(label: Self.sampleFailures).increment()
            logger.debug("metrics sample failed", metadata: ["error": "\(error)"])
        }
    }
}
