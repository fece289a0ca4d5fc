import ArgumentParser
import Client
import Foundation
import NIOCore
import NIOPosix
import RPCCore
import Wire

/// Unary health checks per second and their latency, with careerai-server in its own process.
struct RPCBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rpc",
        abstract: "HealthService/Check throughput and p50/p99 latency for 1x1, 1x16, 1x64 and 4x16 (connections x calls in flight)."
    )

    @Option(help: "Seconds to measure each case (after a warm-up of a quarter of that).")
    var seconds: Double = 5

    @Option(help: "The careerai-server binary (default: beside this one).")
    var server: String?

    @Option(help: "The server's CAREERAI_LOG_LEVEL: info logs one line per call, as in production.")
    var serverLogLevel = "info"

    @Option(help: "Cases as CONNECTIONSxIN_FLIGHT, comma-separated.")
    var cases = "1x1,1x16,1x64,4x16"

    func run() async throws {
        let binary = server ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("careerai-server").path
        let serverUnderTest = try await ServerUnderTest(binary: binary, environment: ["CAREERAI_LOG_LEVEL": serverLogLevel])
        defer { serverUnderTest.stop() }
        for spec in cases.split(separator: ",") {
            let parts = spec.split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2, parts[0] > 0, parts[1] > 0 else { throw ValidationError("bad case '\(spec)'") }
            try await measure(target: serverUnderTest.target, connections: parts[0], inFlight: parts[1])
        }
    }

    private func measure(target: String, connections: Int, inFlight: Int) async throws {
        // Each client lives on one event loop, and its load tasks prefer that loop: a call then resumes
        // its caller without a thread switch, as a handler inside a NIO server would.
        let loops = Array(MultiThreadedEventLoopGroup.singleton.makeIterator())
        let clients = try (0..<connections).map { index in
            CareerAIClient(configuration: try ClientConfiguration(target: target), group: loops[index % loops.count])
        }
        defer { Task { for client in clients { await client.close() } } }
        for client in clients { _ = try await client.health.check() }  // connect before timing

        _ = try await load(clients: clients, inFlight: inFlight, duration: .seconds(seconds / 4))  // warm-up
        let started = ContinuousClock.now
        let (latencies, errors) = try await load(clients: clients, inFlight: inFlight, duration: .seconds(seconds))
        let elapsed = ContinuousClock.now - started
        let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let summary = LatencyRecorder.summary(latencies)
        let line: [String: Any] = [
            "bench": "rpc", "method": "HealthService/Check", "case": "\(connections)x\(inFlight)",
            "connections": connections, "in_flight": connections * inFlight,
            "calls": summary.count, "errors": errors, "seconds": (elapsedSeconds * 100).rounded() / 100,
            "calls_per_s": Int(Double(summary.count) / elapsedSeconds),
            "p50_ms": (summary.p50Ms * 1000).rounded() / 1000, "p99_ms": (summary.p99Ms * 1000).rounded() / 1000,
            "max_ms": (summary.maxMs * 1000).rounded() / 1000, "server_log_level": serverLogLevel,
        ]
        let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    /// `inFlight` tasks per client, each calling back to back until `duration` passes.
    private func load(clients: [CareerAIClient], inFlight: Int, duration: Duration) async throws -> ([[Int64]], Int) {
        let loops = Array(MultiThreadedEventLoopGroup.singleton.makeIterator())
        let end = ContinuousClock.now + duration
        return await withTaskGroup(of: ([Int64], Int).self) { group in
            for (index, client) in clients.enumerated() {
                let executor = EventLoopTaskExecutor(loops[index % loops.count])
                for _ in 0..<inFlight {
                    group.addTask(executorPreference: executor) {
                        var recorder = LatencyRecorder(expectedCalls: 100_000)
                        var errors = 0
                        let request = HealthCheckRequest()
                        while ContinuousClock.now < end {
                            let callStarted = ContinuousClock.now
                            do {
                                _ = try await client.unary("/careerai.v1.HealthService/Check", request, as: HealthCheckResponse.self)
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
}
