import Synchronization

/// Decides when a refusal is worth a log line: the first for an address, then at most one per
/// `interval`, counting the ones in between. Bounded: past `maxAddresses` the table starts afresh
/// (a line too many is better than memory without end).
final class RefusalLog: Sendable {
    private struct Entry {
        var loggedAt: ContinuousClock.Instant
        var since = 0
    }

    static let maxAddresses = 10_000
    private let interval: Duration
    private let entries = Mutex<[String: Entry]>([:])

    init(interval: Duration) {
        self.interval = interval
    }

    /// Counts one refusal of `address`; calls `log` with the refusals since the last line when a line
    /// is due.
    func note(_ address: String, now: ContinuousClock.Instant = .now, log: (_ refusedSinceLastLine: Int) -> Void) {
        let due: Int? = entries.withLock { entries in
            if var entry = entries[address] {
                entry.since += 1
                guard now - entry.loggedAt >= interval else {
                    entries[address] = entry
                    return nil
                }
                entries[address] = Entry(loggedAt: now)
                return entry.since
            }
            if entries.count >= Self.maxAddresses { entries.removeAll(keepingCapacity: true) }
            entries[address] = Entry(loggedAt: now)
            return 1
        }
        if let due { log(due) }
    }
}
