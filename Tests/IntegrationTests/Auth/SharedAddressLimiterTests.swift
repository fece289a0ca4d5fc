import Domain
import Foundation
import TestSupport
import Testing

@testable import Queue

@Suite("The per-address code limiter on Redis, shared by every server process")
struct SharedAddressLimiterTests {
    static func client(_ url: String) throws -> RedisClient {
        var configuration = RedisClient.Configuration(url: try RedisURL(url))
        configuration.maxConnections = 2
        configuration.connectTimeoutMs = 500
        return RedisClient(configuration: configuration)
    }

    @Test(
        "two processes' limiters count one address together, agree on when to retry, and keep addresses apart",
        .enabled(if: TestServices.redis, "needs Redis (scripts/test.sh starts one)"))
    func sharedAcrossProcesses() async throws {
        guard let url = TestRedis.sharedURL() else { return }
        let prefix = "test_\(UUID().uuidString.prefix(8))"
        let (clientA, clientB) = (try Self.client(url), try Self.client(url))
        let first = RedisAddressRateLimiter(client: clientA, prefix: prefix, maxPerHour: 3)
        let second = RedisAddressRateLimiter(client: clientB, prefix: prefix, maxPerHour: 3)
        #expect(await first.admit("10.0.0.1", nowUnix: 1_000) == nil)
        #expect(await second.admit("10.0.0.1", nowUnix: 1_010) == nil)
        #expect(await first.admit("10.0.0.1", nowUnix: 1_020) == nil)
        let refusedByB = await second.admit("10.0.0.1", nowUnix: 1_030)
        let refusedByA = await first.admit("10.0.0.1", nowUnix: 1_030)
        #expect(refusedByB == Int64(2_570 + 1_200), "the same arithmetic as in memory")
        #expect(refusedByA == refusedByB, "a refused request is not counted")
        #expect(await second.admit("2001:db8:0:1::/64", nowUnix: 1_030) == nil, "another address is its own count")
        #expect(await first.admit("10.0.0.1", nowUnix: 1_030 + 3_770) == nil, "admitted when it said")

        // Concurrent requests from many processes never admit more than the limit.
        let racers = (0..<8).map { _ in RedisAddressRateLimiter(client: clientA, prefix: prefix, maxPerHour: 5) }
        let admitted = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<40 {
                group.addTask { await racers[index % racers.count].admit("10.9.9.9", nowUnix: 50_000) == nil }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(admitted == 5)
        await clientA.shutdown()
        await clientB.shutdown()
    }

    @Test("with Redis unreachable the process's own limiter decides: narrower, never open, and the reason is reported")
    func fallsBackWhenRedisIsDown() async throws {
        let client = try Self.client("redis://127.0.0.1:\(try ClosedPort().port)/0")
        let reasons = Reasons()
        let limiter = RedisAddressRateLimiter(client: client, prefix: "test", maxPerHour: 2) { reasons.add($0) }
        #expect(await limiter.admit("10.0.0.1", nowUnix: 1_000) == nil)
        #expect(await limiter.admit("10.0.0.1", nowUnix: 1_001) == nil)
        #expect(await limiter.admit("10.0.0.1", nowUnix: 1_002) != nil, "the in-memory fallback still limits")
        #expect(reasons.count == 3 && reasons.first?.contains("connect") == true, "\(reasons.first ?? "none")")
        await client.shutdown()
    }
}

private final class Reasons: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ reason: String) { lock.withLock { items.append(reason) } }
    var count: Int { lock.withLock { items.count } }
    var first: String? { lock.withLock { items.first } }
}
