import Foundation

/// `careerai-server worker` as its own process, its log in a file.
public final class WorkerProcess: @unchecked Sendable {
    // @unchecked: driven by one test at a time.
    public let process: Process
    private let logURL: URL

    public init(environment: [String: String], arguments: [String] = []) throws {
        logURL = FileManager.default.temporaryDirectory.appendingPathComponent("careerai-worker-\(UUID().uuidString).log")
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
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while !log.contains(text) {
            guard Date() < deadline, process.isRunning else {
                throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "worker log never said '\(text)':\n\(log)"])
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Sends `signal` and waits (bounded) for the exit; the exit status, or nil if it did not exit.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeoutSeconds: Double = 30) async -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            return nil
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: logURL)
    }
}
