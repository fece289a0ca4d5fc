/// Counts code requests per client address (the caller passes a key: IPv4 as is, IPv6 by /64) in a
/// sliding hour. In memory for one process; on Redis when several server processes share the load,
/// so the limit is the deployment's, not each process's.
public protocol AddressRateLimiter: Sendable {
    /// Records a request from `key` at `nowUnix`; returns nil when admitted, else the seconds until one
    /// more would be. Never throws: an implementation that cannot reach its store falls back to a
    /// narrower limit, never to none.
    func admit(_ key: String, nowUnix: Int64) async -> Int64?
}

/// An approximate sliding window from two fixed windows (this one and the one before, weighted by how
/// much of it the sliding window still covers), as Cloudflare's rate limiter counts. Each key costs
/// two counters whatever the limit, so memory does not grow with it; the estimate is exact when
/// requests are spread evenly and errs by at most the previous window's share otherwise.
public struct SlidingWindowCount: Sendable, Equatable {
    public static let windowSeconds: Int64 = 3600

    public var windowIndex: Int64
    public var current: Int64
    public var previous: Int64

    public init(windowIndex: Int64, current: Int64, previous: Int64) {
        precondition(current >= 0 && previous >= 0)
        self.windowIndex = windowIndex
        self.current = current
        self.previous = previous
    }

    public static func windowIndex(at nowUnix: Int64) -> Int64 { nowUnix.floorDivided(by: windowSeconds) }

    /// The counters as seen at `nowUnix`: shifted by one window, or cleared after two.
    public func advanced(to nowUnix: Int64) -> SlidingWindowCount {
        let index = Self.windowIndex(at: nowUnix)
        if index == windowIndex { return self }
        if index == windowIndex + 1 { return SlidingWindowCount(windowIndex: index, current: 0, previous: current) }
        return SlidingWindowCount(windowIndex: index, current: 0, previous: 0)
    }

    /// Nil when one more request fits under `limit` at `nowUnix` (counters already advanced to it), else
    /// the whole seconds until it would.
    public func retryAfter(limit: Int64, nowUnix: Int64) -> Int64? {
        precondition(limit >= 1 && windowIndex == Self.windowIndex(at: nowUnix))
        let w = Self.windowSeconds
        let elapsed = nowUnix - windowIndex * w
        // previous × (w − elapsed)/w + current + 1 ≤ limit, in integers.
        if previous * (w - elapsed) + (current + 1) * w <= limit * w { return nil }
        if current + 1 <= limit {
            // The previous window's share shrinks: wait until previous × (w − elapsed − t) ≤ (limit − current − 1) × w.
            let allowedShare = (limit - current - 1) * w
            let t = (w - elapsed) - allowedShare / previous
            return max(1, t)
        }
        // Not before the next window, when this one's count becomes the shrinking share.
        let intoNext = max(0, w - ((limit - 1) * w) / current)
        return max(1, (w - elapsed) + intoNext)
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
