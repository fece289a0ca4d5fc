import Foundation

/// careerai-rest started as a separate process for a benchmark, on an ephemeral loopback port,
/// calling the given careerai-server.
final class AdapterUnderTest {
    let process: Process
    let host = "127.0.0.1"
    let port: Int
    let logURL: URL

    init(binary: String, rpcTarget: String, directory: URL, environment: [String: String]) async throws {
        var env = [
            "CAREERAI_REST_ADDR": "127.0.0.1:0", "CAREERAI_RPC_TARGET": rpcTarget, "CAREERAI_BASE_DOMAIN": "localhost",
            "CAREERAI_REST_SECRET": UUID().uuidString + UUID().uuidString,
        ]
        env.merge(environment) { _, new in new }
        logURL = directory.appendingPathComponent("rest.log")
        process = try ChildProcesses.start(binary, arguments: [], environment: env, log: logURL)
        // careerai-rest prints "careerai-rest: listening on HOST:PORT" once it accepts connections.
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("careerai-rest: listening on ") }),
                let found = line.split(separator: ":").last.flatMap({ Int($0) })
            {
                port = found
                return
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        ChildProcesses.stop(process)
        throw BenchError("careerai-rest at \(binary) did not start; see \(logURL.path)")
    }

    func stop() { ChildProcesses.stop(process) }
}
