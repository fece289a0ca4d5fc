import Synchronization

/// Counts code requests per client address in a sliding hour, in memory (one server process; the
/// per-email limits, which matter more, live in the database). Memory is bounded: at most
/// `maxTrackedAddresses` addresses are tracked, the stalest dropped first.
public final class AddressRateLimiter: Sendable {
    public static let maxTrackedAddresses = 100_000
    static let windowSeconds: Int64 = 3600

    private let maxPerWindow: Int
    private let state = Mutex<[String: [Int64]]>([:])

    public init(maxPerHour: Int) {
        precondition(maxPerHour >= 1)
        maxPerWindow = maxPerHour
    }

    /// Records a request from `address` at `nowUnix`; returns nil when admitted, else the seconds
    /// until one more would be.
    public func admit(_ address: String, nowUnix: Int64) -> Int64? {
        state.withLock { table in
            let windowStart = nowUnix - Self.windowSeconds
            var times = (table[address] ?? []).filter { $0 > windowStart }
            if times.count >= maxPerWindow {
                table[address] = times
                return max(1, times[0] + Self.windowSeconds - nowUnix)
            }
            times.append(nowUnix)
            table[address] = times
            if table.count > Self.maxTrackedAddresses { Self.evict(&table, windowStart: windowStart) }
            return nil
        }
    }

    private static func evict(_ table: inout [String: [Int64]], windowStart: Int64) {
        table = table.filter { ($0.value.last ?? .min) > windowStart }
        while table.count > maxTrackedAddresses {
            guard let stalest = table.min(by: { ($0.value.last ?? .min) < ($1.value.last ?? .min) })?.key else { break }
            table.removeValue(forKey: stalest)
        }
    }
}
