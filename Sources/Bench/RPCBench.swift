import ArgumentParser
import Client
import Contract
import Wire

/// Unary health checks per second and their latency, with careerai-server in its own process.
struct RPCBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rpc",
        abstract:
            "HealthService/Check throughput and p50/p99 latency for 1x1, 1x16, 1x64 and 4x16 (connections x calls in flight)."
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
        let serverUnderTest = try await ServerUnderTest(
            binary: LoadGenerator.serverBinary(server), environment: ["CAREERAI_LOG_LEVEL": serverLogLevel])
        defer { serverUnderTest.stop() }
        let generator = LoadGenerator(target: serverUnderTest.target, seconds: seconds) { client in
            _ = try await client.health.check()
        }
        for spec in cases.split(separator: ",") {
            let parts = spec.split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2, parts[0] > 0, parts[1] > 0 else { throw ValidationError("bad case '\(spec)'") }
            try await generator.measure(
                connections: parts[0], inFlight: parts[1],
                labels: [
                    "bench": "rpc", "method": "HealthService/Check", "server_log_level": serverLogLevel,
                ])
        }
    }
}
