import Domain

/// The per-address code limiter shared by every server process of a deployment: the two window
/// counters of `SlidingWindowCount` as Redis keys (`PREFIX:KEY:WINDOW`, expiring after two windows,
/// so Redis holds only the last two hours' addresses), read and raised by one script so concurrent
/// servers cannot both take the last request. When Redis cannot be reached the process's own
/// in-memory limiter decides: the limit narrows to one process's share, it never opens.
public final class RedisAddressRateLimiter: AddressRateLimiter {
    /// Keys, window length, seconds into the window, limit → {admitted 0|1, current, previous}.
    static let script = """
        local current = tonumber(redis.call('GET', KEYS[1]) or '0')
        local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
        local window, elapsed, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
        if previous * (window - elapsed) + (current + 1) * window > limit * window then
          return {0, current, previous}
        end
        redis.call('INCR', KEYS[1])
        redis.call('EXPIRE', KEYS[1], 2 * window)
        return {1, current + 1, previous}
        """
    /// A key longer than this is hashed into the Redis key (an address key is at most 45 bytes).
    static let maxKeyBytes = 64

    private let client: RedisClient
    private let prefix: String
    private let limit: Int64
    private let fallback: InMemoryAddressRateLimiter
    private let onFallback: @Sendable (String) -> Void

    /// `onFallback` hears why Redis was not used (the caller logs it, rate-limited).
    public init(
        client: RedisClient, prefix: String, maxPerHour: Int,
        onFallback: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        precondition(maxPerHour >= 1 && !prefix.isEmpty)
        self.client = client
        self.prefix = prefix
        limit = Int64(maxPerHour)
        fallback = InMemoryAddressRateLimiter(maxPerHour: maxPerHour)
        self.onFallback = onFallback
    }

    public func admit(_ key: String, nowUnix: Int64) async -> Int64? {
        let window = SlidingWindowCount.windowSeconds
        let index = SlidingWindowCount.windowIndex(at: nowUnix)
        let base = "\(prefix):otp_address:\(key.utf8.count <= Self.maxKeyBytes ? key : SessionToken.hash(key))"
        let arguments = [
            "EVAL", Self.script, "2", "\(base):\(index)", "\(base):\(index - 1)", String(window),
            String(nowUnix - index * window), String(limit),
        ]
        let reply: RedisValue
        do {
            reply = try await client.run { try $0.command(arguments) }
        } catch {
            onFallback(error.message)
            return fallback.admitNow(key, nowUnix: nowUnix)
        }
        guard case .array(let parts) = reply, parts.count == 3, case .integer(let admitted) = parts[0],
            case .integer(let current) = parts[1], case .integer(let previous) = parts[2]
        else {
            onFallback("unexpected reply to the limiter script: \(reply)")
            return fallback.admitNow(key, nowUnix: nowUnix)
        }
        if admitted == 1 { return nil }
        return SlidingWindowCount(windowIndex: index, current: current, previous: previous)
            .retryAfter(limit: limit, nowUnix: nowUnix) ?? 1
    }
}
