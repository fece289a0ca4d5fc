/// Per-call latencies of one load-generating task, merged after the run; no locks on the hot path.
struct LatencyRecorder {
    private(set) var nanoseconds: [Int64] = []

    init(expectedCalls: Int) { nanoseconds.reserveCapacity(expectedCalls) }

    mutating func record(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        nanoseconds.append(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    static func summary(_ all: [[Int64]]) -> (count: Int, p50Ms: Double, p99Ms: Double, maxMs: Double) {
        let sorted = all.flatMap { $0 }.sorted()
        guard !sorted.isEmpty else { return (0, 0, 0, 0) }
        func percentile(_ p: Double) -> Double {
            Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1_000_000
        }
        return (sorted.count, percentile(0.50), percentile(0.99), Double(sorted.last!) / 1_000_000)
    }
}
