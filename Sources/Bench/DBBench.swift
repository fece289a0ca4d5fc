import ArgumentParser
import Client
import Contract
import Foundation
import Wire

/// ResolveUniversity over RPC (one indexed read per call) at 1 × 64 in flight, on SQLite and PostgreSQL.
struct DBBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "UniversityService/ResolveUniversity throughput and p50/p99 at 1x64, on SQLite and on PostgreSQL."
    )

    @Option(help: "Seconds to measure each case.")
    var seconds: Double = 5

    @Option(help: "The careerai-server binary (default: beside this one).")
    var server: String?

    @Option(
        help:
            "A PostgreSQL database to use (default: $CAREERAI_TEST_POSTGRES_URL); without one the PostgreSQL case is skipped."
    )
    var postgresURL: String?

    @Option(help: "The server's CAREERAI_LOG_LEVEL.")
    var serverLogLevel = "info"

    func run() async throws {
        var engines: [(String, String?)] = [("sqlite", nil)]  // nil: the server's own temporary SQLite file
        if let url = postgresURL ?? ProcessInfo.processInfo.environment["CAREERAI_TEST_POSTGRES_URL"] {
            engines.append(("postgres", url))
        } else {
            print(#"{"bench":"db","engine":"postgres","skipped":"no --postgres-url or CAREERAI_TEST_POSTGRES_URL"}"#)
        }
        for (engine, url) in engines {
            var environment = ["CAREERAI_LOG_LEVEL": serverLogLevel]
            if let url { environment["CAREERAI_DATABASE_URL"] = url }
            let serverUnderTest = try await ServerUnderTest(
                binary: LoadGenerator.serverBinary(server), environment: environment)
            defer { serverUnderTest.stop() }
            let generator = LoadGenerator(target: serverUnderTest.target, seconds: seconds) { client in
                let university = try await client.universities.resolve(subdomain: "demo")
                precondition(university.subdomain == "demo")
            }
            try await generator.measure(
                connections: 1, inFlight: 64,
                labels: [
                    "bench": "db", "method": "UniversityService/ResolveUniversity", "engine": engine,
                    "server_log_level": serverLogLevel,
                ])
        }
    }
}
