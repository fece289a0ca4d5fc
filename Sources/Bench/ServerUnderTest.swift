import Foundation

/// careerai-server started as a separate process for a benchmark, on an ephemeral loopback port.
final class ServerUnderTest {
    let process: Process
    let target: String
    let logURL: URL
    let databaseURL: String
    let directory: URL

    init(binary: String, environment: [String: String]) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("careerai-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let addressFile = directory.appendingPathComponent("address")
        var env = [
            "CAREERAI_RPC_ADDR": "127.0.0.1:0",
            "CAREERAI_DATABASE_URL": "sqlite:\(directory.appendingPathComponent("careerai.db").path)",
            "CAREERAI_SECRET_FILE": directory.appendingPathComponent("careerai.secret").path,
        ]
        env.merge(environment) { _, new in new }
        databaseURL = env["CAREERAI_DATABASE_URL"]!
        logURL = directory.appendingPathComponent("server.log")
        process = try ChildProcesses.start(
            binary, arguments: ["serve", "--address-file", addressFile.path], environment: env, log: logURL)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOf: addressFile, encoding: .utf8), text.hasSuffix("\n") {
                target = text.trimmingCharacters(in: .whitespacesAndNewlines)
                return
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        ChildProcesses.stop(process)
        throw BenchError("careerai-server at \(binary) did not start; see \(logURL.path)")
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    func stop() {
        ChildProcesses.stop(process)
        if process.terminationStatus == 0 { try? FileManager.default.removeItem(at: directory) }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
