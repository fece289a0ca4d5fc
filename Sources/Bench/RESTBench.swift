import ArgumentParser
import Client
import Foundation
import NIOHTTP1

/// `careerai-bench rest`: GET /v1/wallet per second through careerai-rest and careerai-server,
/// beside the same call (WalletService/GetWallet) straight over RPC to the same server in the same
/// run: what the HTTP hop costs. Each connection is one signed-in student (Bearer), one call at a time.
struct RESTBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rest",
        abstract: "GET /v1/wallet through careerai-rest beside WalletService/GetWallet over RPC, p50/p99."
    )

    @Option(help: "Seconds to measure each case (after a warm-up of a quarter of that).") var seconds: Double = 5
    @Option(help: "Connections, each a signed-in student with one call in flight.") var connections = 64
    @Option(help: "The careerai-server binary (default: beside this one).") var server: String?
    @Option(help: "The careerai-rest binary (default: beside this one).") var rest: String?
    @Option(help: "PostgreSQL (default: $CAREERAI_TEST_POSTGRES_URL, else SQLite only).") var postgresURL: String?
    @Option(help: "careerai-rest's CAREERAI_LOG_LEVEL: info logs one access line per request, as in production.")
    var adapterLogLevel = "info"
    @Option(help: "careerai-rest's CAREERAI_REST_RPC_CONNECTIONS (multiplexed connections to the server).")
    var adapterRPCConnections = 4
    @Option(help: "Rounds: each runs the RPC case, then the REST case, on the same server.") var rounds = 1

    func run() async throws {
        guard (1...4096).contains(connections), (1...64).contains(adapterRPCConnections), rounds > 0, seconds > 0
        else {
            throw ValidationError(
                "--connections in 1...4096, --adapter-rpc-connections in 1...64, --rounds and --seconds above 0")
        }
        let environment = ProcessInfo.processInfo.environment
        var engines: [(String, String?)] = [("sqlite", nil)]
        if let postgres = postgresURL ?? environment["CAREERAI_TEST_POSTGRES_URL"] {
            engines.append(("postgres", postgres))
        } else {
            print(#"{"bench":"rest","engine":"postgres","skipped":"no --postgres-url or CAREERAI_TEST_POSTGRES_URL"}"#)
        }
        let binary = LoadGenerator.serverBinary(server)
        for (engine, url) in engines {
            let setup = try await RunsBench.Setup.start(binary: binary, databaseURL: url, redisURL: nil)
            defer { setup.server.stop() }
            let tokens = try await setup.students(connections)
            let adapter = try await AdapterUnderTest(
                binary: LoadGenerator.sibling("careerai-rest", rest), rpcTarget: setup.server.target,
                directory: setup.server.directory,
                environment: [
                    "CAREERAI_LOG_LEVEL": adapterLogLevel,
                    "CAREERAI_REST_RPC_CONNECTIONS": "\(adapterRPCConnections)",
                ])
            defer { adapter.stop() }
            let labels: [String: Any] = [
                "bench": "rest", "engine": engine, "server_log_level": "notice", "students": connections,
            ]
            for round in 1...rounds {
                let rpc = LoadGenerator(target: setup.server.target, seconds: seconds) { client in
                    _ = try await client.wallet.wallet()
                }
                try await rpc.measure(
                    connections: connections, inFlight: 1,
                    labels: labels.merging(["path": "rpc", "method": "WalletService/GetWallet", "round": round]) {
                        $1
                    }, users: tokens)
                try await measureREST(
                    adapter: adapter, tokens: tokens,
                    labels: labels.merging([
                        "path": "rest", "method": "GET /v1/wallet", "round": round,
                        "adapter_log_level": adapterLogLevel, "adapter_rpc_connections": adapterRPCConnections,
                    ]) { $1 })
            }
        }
    }

    private func measureREST(adapter: AdapterUnderTest, tokens: [String], labels: [String: Any]) async throws {
        let loops = LoadGenerator.loops
        var clients: [(HTTPLoadClient, HTTPRequestHead)] = []
        for index in 0..<connections {
            let client = try await HTTPLoadClient.connect(
                host: adapter.host, port: adapter.port, on: loops[index % loops.count])
            var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/v1/wallet")
            head.headers.add(name: "Host", value: "demo.localhost:\(adapter.port)")
            head.headers.add(name: "Authorization", value: "Bearer \(tokens[index % tokens.count])")
            head.headers.add(name: "Accept", value: "application/json")
            clients.append((client, head))
        }
        try await LoadGenerator.measure(
            clients: clients, inFlight: 1, seconds: seconds, labels: labels,
            call: { client, head in
                let status = try await client.send(head)
                guard status == .ok else { throw HTTPLoadError.status(status) }
            },
            close: { client, _ in await client.close() })
    }
}
