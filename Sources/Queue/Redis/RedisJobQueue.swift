import Domain
import Foundation
import Synchronization

/// The run queue on a Redis stream (hiredis): `XADD` to enqueue; a consumer group read with
/// `XREADGROUP … BLOCK`; `XACK` (then `XDEL`) only after the database holds the outcome; and
/// `XAUTOCLAIM` of entries idle past the visibility timeout, so a dead worker's run goes to another.
/// A stream or group that vanished (Redis restarted without its data) is made again on first use;
/// the runs it held are found by the sweeper in the database.
public final class RedisJobQueue: JobQueue {
    public struct Configuration: Sendable {
        public var url: RedisURL
        public var stream: String
        public var group = "careerai_workers"
        /// This process's name in the group (unique per worker process).
        public var consumer: String
        public var visibilityTimeoutMs = 60_000
        /// How often this consumer looks for abandoned entries.
        public var claimIntervalMs = 1_000
        public var batch = 16
        /// The stream is trimmed to about this many entries.
        public var maxLength = 1_000_000
        public var maxConnections = 8
        public var connectTimeoutMs = 2_000
        /// XREADGROUP blocks at most this long per call, whatever the caller asked.
        public static let maxBlockMs = 5_000

        public init(url: RedisURL, stream: String, consumer: String) {
            self.url = url
            self.stream = stream
            self.consumer = consumer
        }
    }

    private let configuration: Configuration
    private let client: RedisClient
    private let buffered = Mutex<[(entryID: String, runID: String)]>([])
    private let lastClaimAt = Mutex<ContinuousClock.Instant?>(nil)

    public init(configuration: Configuration) {
        precondition(configuration.batch >= 1 && configuration.maxConnections >= 2)
        self.configuration = configuration
        var clientConfiguration = RedisClient.Configuration(url: configuration.url)
        clientConfiguration.maxConnections = configuration.maxConnections
        clientConfiguration.connectTimeoutMs = configuration.connectTimeoutMs
        clientConfiguration.commandTimeoutMs = Configuration.maxBlockMs + 5_000
        client = RedisClient(configuration: clientConfiguration)
    }

    public func shutdown() async { await client.shutdown() }

    public func enqueue(runID: String) async throws {
        let c = configuration
        let reply = try await run { connection in
            try connection.command(["XADD", c.stream, "MAXLEN", "~", String(c.maxLength), "*", "run_id", runID])
        }
        if case .error(let message) = reply { throw Self.unavailable("XADD: \(message)") }
    }

    public func next(timeoutMs: Int) async throws -> QueueDelivery? {
        if let entry = takeBuffered() { return delivery(entry) }
        let now = ContinuousClock.now
        let claimDue = lastClaimAt.withLock { last -> Bool in
            guard let previous = last, now - previous < .milliseconds(configuration.claimIntervalMs) else {
                last = now
                return true
            }
            return false
        }
        if claimDue {
            let claimed = try await readEntries(command: claimCommand())
            if !claimed.isEmpty {
                buffered.withLock { $0 += claimed }
                return takeBuffered().map(delivery)
            }
        }
        let block = max(1, min(timeoutMs, Configuration.maxBlockMs))
        let read = try await readEntries(command: readCommand(blockMs: block))
        buffered.withLock { $0 += read }
        return takeBuffered().map(delivery)
    }

    /// How many entries the stream holds (tests, operators).
    public func length() async throws -> Int {
        let stream = configuration.stream
        guard case .integer(let count) = try await run({ try $0.command(["XLEN", stream]) }) else { return 0 }
        return Int(count)
    }

    // MARK: commands

    private func claimCommand() -> [String] {
        let c = configuration
        return [
            "XAUTOCLAIM", c.stream, c.group, c.consumer, String(c.visibilityTimeoutMs), "0-0", "COUNT", String(c.batch),
        ]
    }

    private func readCommand(blockMs: Int) -> [String] {
        let c = configuration
        return [
            "XREADGROUP", "GROUP", c.group, c.consumer, "COUNT", String(c.batch), "BLOCK", String(blockMs), "STREAMS",
            c.stream, ">",
        ]
    }

    /// Runs a read (XREADGROUP or XAUTOCLAIM); makes the group (and stream) when Redis lost them.
    private func readEntries(command: [String]) async throws -> [(entryID: String, runID: String)] {
        let c = configuration
        let reply = try await run { connection -> RedisValue in
            let first = try connection.command(command)
            guard case .error(let message) = first, message.hasPrefix("NOGROUP") else { return first }
            let created = try connection.command(["XGROUP", "CREATE", c.stream, c.group, "0", "MKSTREAM"])
            if case .error(let message) = created, !message.hasPrefix("BUSYGROUP") { return created }
            return try connection.command(command)
        }
        if case .error(let message) = reply { throw Self.unavailable("\(command[0]): \(message)") }
        return Self.entries(in: reply, command: command[0])
    }

    /// XREADGROUP: [[stream, [[id, [field, value…]]…]]] or nil. XAUTOCLAIM: [next, [[id, [field, value…]]…], [deleted…]].
    static func entries(in reply: RedisValue, command: String) -> [(entryID: String, runID: String)] {
        let list: [RedisValue]
        if command == "XAUTOCLAIM" {
            guard let parts = reply.array, parts.count >= 2, let claimed = parts[1].array else { return [] }
            list = claimed
        } else {
            guard let streams = reply.array, let first = streams.first?.array, first.count == 2,
                let items = first[1].array
            else { return [] }
            list = items
        }
        return list.compactMap { item in
            guard let pair = item.array, pair.count == 2, let id = pair[0].string, let fields = pair[1].array else {
                return nil
            }
            var index = 0
            while index + 1 < fields.count {
                if fields[index].string == "run_id", let runID = fields[index + 1].string { return (id, runID) }
                index += 2
            }
            return nil
        }
    }

    private func takeBuffered() -> (entryID: String, runID: String)? {
        buffered.withLock { $0.isEmpty ? nil : $0.removeFirst() }
    }

    private func delivery(_ entry: (entryID: String, runID: String)) -> QueueDelivery {
        let c = configuration
        return QueueDelivery(runID: entry.runID) { [self] in
            let reply = try await run { connection -> RedisValue in
                let acked = try connection.command(["XACK", c.stream, c.group, entry.entryID])
                if case .error = acked { return acked }
                return try connection.command(["XDEL", c.stream, entry.entryID])  // keeps the stream short
            }
            if case .error(let message) = reply { throw Self.unavailable("XACK: \(message)") }
        }
    }

    /// Runs `body` on the client's pool. Repeating a command (the client retries once on a new
    /// connection) is safe here: a duplicate XADD is a run id the claim refuses to run twice, a
    /// repeated XACK acknowledges nothing new, and a read whose reply was lost leaves its entries
    /// pending for XAUTOCLAIM.
    private func run<T: Sendable>(_ body: @escaping @Sendable (RedisConnection) throws -> T) async throws -> T {
        do {
            return try await client.run(body)
        } catch {
            throw Self.unavailable(error.message)
        }
    }

    static func unavailable(_ why: String) -> DomainError {
        DomainError(.unavailable, reason: .queueUnavailable, "the run queue (Redis) is unavailable: \(why)")
    }
}
