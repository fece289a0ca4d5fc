import Client
import Contract
import Foundation
import NIOCore
import NIOPosix
import RPCCore

/// Drives one kind of call at `connections` × `inFlight` against a server and prints one JSON line.
/// Each client lives on one event loop and its load tasks prefer that loop, so a call resumes its
/// caller without a thread switch, as a handler inside a NIO server would.
struct LoadGenerator {
    let target: String
    let seconds: Double
    let call: @Sendable (CareerAIClient) async throws -> Void

    /// `signedIn`: a session token every call carries (with `x-tenant: demo`); `users`: one token
    /// per connection instead (connection i is user i modulo their number: many students, not one).
    func measure(
        connections: Int, inFlight: Int, labels: [String: Any], signedIn token: String? = nil, users: [String] = []
    ) async throws {
        let loops = Self.loops
        let clients = try (0..<connections).map { index in
            var configuration = try ClientConfiguration(target: target)
            if let token = users.isEmpty ? token : users[index % users.count] {
                configuration.defaultMetadata[MetadataKey.tenant] = "demo"
                configuration = configuration.signedIn(token: token)
            }
            return CareerAIClient(configuration: configuration, group: loops[index % loops.count])
        }
        try await Self.measure(
            clients: clients, inFlight: inFlight, seconds: seconds, labels: labels, call: call,
            close: { await $0.close() })
    }

    static var loops: [any EventLoop] { Array(MultiThreadedEventLoopGroup.singleton.makeIterator()) }

    /// Any kind of client: client i must live on `loops[i % loops.count]`. Calls each client once
    /// untimed (connects, warms caches), warms up for a quarter of `seconds`, then measures.
    static func measure<Client: Sendable>(
        clients: [Client], inFlight: Int, seconds: Double, labels: [String: Any],
        call: @escaping @Sendable (Client) async throws -> Void, close: (Client) async -> Void
    ) async throws {
        precondition(!clients.isEmpty && inFlight > 0)
        for client in clients { try await call(client) }  // connect (and warm caches) before timing

        _ = await load(clients: clients, inFlight: inFlight, duration: .seconds(seconds / 4), call: call)  // warm-up
        let started = ContinuousClock.now
        let (latencies, errors) = await load(
            clients: clients, inFlight: inFlight, duration: .seconds(seconds), call: call)
        let elapsed = ContinuousClock.now - started
        for client in clients { await close(client) }

        let connections = clients.count
        let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let summary = LatencyRecorder.summary(latencies)
        var line: [String: Any] = [
            "case": "\(connections)x\(inFlight)", "connections": connections, "in_flight": connections * inFlight,
            "calls": summary.count, "errors": errors, "seconds": (elapsedSeconds * 100).rounded() / 100,
            "calls_per_s": Int(Double(summary.count) / elapsedSeconds),
            "p50_ms": (summary.p50Ms * 1000).rounded() / 1000, "p99_ms": (summary.p99Ms * 1000).rounded() / 1000,
            "max_ms": (summary.maxMs * 1000).rounded() / 1000,
        ]
        line.merge(labels) { _, label in label }
        let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
        // Written at once (not buffered) so that a run cut short still shows its finished cases.
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }

    /// `inFlight` tasks per client, each calling back to back until `duration` passes.
    private static func load<Client: Sendable>(
        clients: [Client], inFlight: Int, duration: Duration, call: @escaping @Sendable (Client) async throws -> Void
    ) async -> ([[Int64]], Int) {
        let end = ContinuousClock.now + duration
        let loops = Self.loops
        return await withTaskGroup(of: ([Int64], Int).self) { group in
            for (index, client) in clients.enumerated() {
                let executor = EventLoopTaskExecutor(loops[index % loops.count])
                for _ in 0..<inFlight {
                    group.addTask(executorPreference: executor) {
                        var recorder = LatencyRecorder(expectedCalls: 100_000)
                        var errors = 0
                        while ContinuousClock.now < end {
                            let callStarted = ContinuousClock.now
                            do {
                                try await call(client)
                                recorder.record(ContinuousClock.now - callStarted)
                            } catch {
                                errors += 1
                            }
                        }
                        return (recorder.nanoseconds, errors)
                    }
                }
            }
            var all: [[Int64]] = []
            var errors = 0
            for await (latencies, failed) in group {
                all.append(latencies)
                errors += failed
            }
            return (all, errors)
        }
    }

    static func serverBinary(_ explicit: String?) -> String {
        sibling("careerai-server", explicit)
    }

    /// `explicit`, else the executable `name` beside careerai-bench.
    static func sibling(_ name: String, _ explicit: String?) -> String {
        explicit
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent(name).path
    }
}
