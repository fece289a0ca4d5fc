import Foundation

/// `careerai-server worker` as its own process, its log in a file.
public final class WorkerProcess: @unchecked Sendable {
    // @unchecked: driven by one test at a time.
    public let process: Process
    private let logURL: URL

    public init(environment: [String: String], arguments: [String] = []) throws {
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent(
            "careerai-worker-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: Executables.path("careerai-server"))
        process.arguments = ["worker"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let log = try FileHandle(forWritingTo: logURL)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    public var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Waits (bounded) until the log contains `text`.
    public func waitForLog(_ text: String, timeoutSeconds: Double = 20) async throws {
        let process = self.process
        _ = await eventually(timeoutMs: Int(timeoutSeconds * 1000)) { log.contains(text) || !process.isRunning }
        guard log.contains(text) else {
            throw CocoaError(
                .fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "worker log never said '\(text)':\n\(log)"])
        }
    }

    /// Sends `signal` and waits (bounded) for the exit; the exit status, or nil if it did not exit.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeoutSeconds: Double = 30) async -> Int32? {
        await process.stop(signal: signal, timeoutSeconds: timeoutSeconds)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: logURL)
    }
}
