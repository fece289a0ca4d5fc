import Foundation

/// careerai-server started as a separate process for a benchmark, on an ephemeral loopback port.
final class ServerUnderTest {
    let process = Process()
    let target: String
    let logURL: URL
    let databaseURL: String
    let directory: URL

    init(binary: String, environment: [String: String]) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("careerai-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let addressFile = directory.appendingPathComponent("address")
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--address-file", addressFile.path]
        var env = ProcessInfo.processInfo.environment
        env["CAREERAI_RPC_ADDR"] = "127.0.0.1:0"
        env["CAREERAI_DATABASE_URL"] = "sqlite:\(directory.appendingPathComponent("careerai.db").path)"
        env["CAREERAI_SECRET_FILE"] = directory.appendingPathComponent("careerai.secret").path
        env.merge(environment) { _, new in new }
        databaseURL = env["CAREERAI_DATABASE_URL"]!
        process.environment = env
        logURL = directory.appendingPathComponent("server.log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try ChildProcesses.run(process)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOf: addressFile, encoding: .utf8), text.hasSuffix("\n") {
                target = text.trimmingCharacters(in: .whitespacesAndNewlines)
                return
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.terminate()
        ChildProcesses.forget(process)
        throw BenchError("careerai-server at \(binary) did not start; see \(logURL.path)")
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        ChildProcesses.forget(process)
        if process.terminationStatus == 0 { try? FileManager.default.removeItem(at: directory) }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
