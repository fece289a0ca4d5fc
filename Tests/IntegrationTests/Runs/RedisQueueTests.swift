import Domain
import Foundation
import TestSupport
import Testing

@testable import Queue

@Suite("The run queue on a Redis stream (hiredis) against a real redis-server")
struct RedisQueueTests {
    static func queue(_ url: String, stream: String, consumer: String, visibilityMs: Int = 60_000) throws
        -> RedisJobQueue
    {
        var configuration = RedisJobQueue.Configuration(url: try RedisURL(url), stream: stream, consumer: consumer)
        configuration.visibilityTimeoutMs = visibilityMs
        configuration.claimIntervalMs = 0
        return RedisJobQueue(configuration: configuration)
    }

    @Test(
        "enqueue, deliver in order, acknowledge; an unacknowledged entry goes to another consumer after the visibility timeout",
        .enabled(if: TestServices.redis, "needs Redis (scripts/test.sh starts one)")
    )
    func deliverAckReclaim() async throws {
        guard let url = TestRedis.sharedURL() else { return }
        let stream = "test_\(UUID().uuidString.prefix(8))"
        let first = try Self.queue(url, stream: stream, consumer: "a", visibilityMs: 2_000)
        let second = try Self.queue(url, stream: stream, consumer: "b", visibilityMs: 2_000)
        #expect(try await first.next(timeoutMs: 50) == nil, "an empty (even missing) stream is just empty")
        for id in ["r1", "r2", "r3"] { try await first.enqueue(runID: id) }
        var taken: [QueueDelivery] = []
        while taken.count < 3, let delivery = try await first.next(timeoutMs: 500) { taken.append(delivery) }
        #expect(taken.map(\.runID) == ["r1", "r2", "r3"])
        try await taken[0].acknowledge()
        try await taken[2].acknowledge()
        #expect(try await second.next(timeoutMs: 50) == nil, "r2 is still within its visibility timeout")
        try await Task.sleep(for: .milliseconds(2_100))
        let reclaimed = try #require(try await second.next(timeoutMs: 50))
        #expect(reclaimed.runID == "r2")
        try await reclaimed.acknowledge()
        try await Task.sleep(for: .milliseconds(2_100))
        #expect(try await second.next(timeoutMs: 50) == nil, "acknowledged entries never come back")
        #expect(try await first.length() == 0, "acknowledged entries are deleted")
        await first.shutdown()
        await second.shutdown()
    }

    @Test(
        "a blocking read wakes up for an entry enqueued while it waits",
        .enabled(if: TestServices.redis, "needs Redis (scripts/test.sh starts one)"))
    func blockingRead() async throws {
        guard let url = TestRedis.sharedURL() else { return }
        let queue = try Self.queue(url, stream: "test_\(UUID().uuidString.prefix(8))", consumer: "a")
        async let delivered = queue.next(timeoutMs: 5_000)
        // Enqueue only once Redis itself reports our XREADGROUP blocked, however long a loaded machine
        // takes to get there: then only the entry can end the wait with a delivery.
        let parsed = try RedisURL(url)
        var blocked = false
        for _ in 0..<400 where !blocked {
            let clients = try await Executables.run(
                executable: URL(fileURLWithPath: "/usr/bin/redis-cli"),
                ["-h", parsed.host, "-p", "\(parsed.port)", "client", "list"])
            blocked = clients.stdout.split(separator: "\n").contains {
                $0.contains("cmd=xreadgroup") && $0.contains("flags=b")
            }
            if !blocked { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(blocked, "the read never blocked")
        try await queue.enqueue(runID: "late")
        // A read that timed out returns nil: the entry proves the blocked wait was woken by it.
        #expect(try await delivered?.runID == "late")
        await queue.shutdown()
    }

    @Test(
        "Redis restarted without its data: the stream and group are made again; a stopped Redis is UNAVAILABLE",
        .enabled(if: TestServices.redisServer, "needs redis-server"))
    func redisLosesData() async throws {
        guard let redis = try await PrivateRedis.start() else { return }
        let queue = try Self.queue(redis.url, stream: "careerai_queue", consumer: "a")
        try await queue.enqueue(runID: "before")
        #expect(try await queue.next(timeoutMs: 500)?.runID == "before")
        await redis.kill()
        await #expect(throws: DomainError.self) { try await queue.enqueue(runID: "while-down") }
        try await redis.startServer()
        try await queue.enqueue(runID: "after")
        #expect(try await queue.next(timeoutMs: 500)?.runID == "after")
        await queue.shutdown()
    }

    @Test("RedisURL parses host, port, password and database, and refuses the rest")
    func urls() throws {
        let url = try RedisURL("redis://:s3cret@cache.internal:6380/2")
        #expect(url.host == "cache.internal" && url.port == 6380 && url.password == "s3cret" && url.database == 2)
        #expect(try RedisURL("redis://127.0.0.1").port == 6379)
        for bad in ["http://x", "redis://", "redis://h:1/99", "redis://h:1/x"] {
            #expect(throws: RedisError.self, "\(bad)") { try RedisURL(bad) }
        }
    }
}
