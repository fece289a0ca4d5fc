import Foundation

/// Runs the project's executables (careerai-server, careerai) as real processes.
public enum Executables {
    /// The build's bin directory: beside the test bundle, unless CAREERAI_BIN_DIR says otherwise.
    public static var binDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["CAREERAI_BIN_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.pathComponents.count > 1 && !url.lastPathComponent.hasSuffix(".xctest") {
            url.deleteLastPathComponent()
        }
        return url.deletingLastPathComponent()
    }

    public static func path(_ name: String) -> String { binDirectory.appendingPathComponent(name).path }

    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// What a running command has written so far, for an `input` that answers its prompts.
    public struct OutputSoFar: Sendable {
        fileprivate let errBox: DataBox
        public var stderr: String { String(decoding: errBox.get(), as: UTF8.self) }
    }

    /// Runs a command to completion (bounded by `timeoutSeconds`) and captures its output.
    /// `input`, when given, writes the command's standard input while it runs (then it is closed);
    /// it may read what the command has written to stderr so far (its prompts).
    public static func run(
        _ name: String, _ arguments: [String], environment: [String: String] = [:],
        timeoutSeconds: Double = 60,
        input: (@Sendable (FileHandle, OutputSoFar) async throws -> Void)? = nil
    ) async throws -> Result {
        try await run(
            executable: URL(fileURLWithPath: path(name)), arguments, environment: environment,
            timeoutSeconds: timeoutSeconds, input: input)
    }

    /// Runs any program (a script of the repository, say) like `run(_:_:)`.
    public static func run(
        executable: URL, _ arguments: [String], environment: [String: String] = [:],
        timeoutSeconds: Double = 60,
        input: (@Sendable (FileHandle, OutputSoFar) async throws -> Void)? = nil
    ) async throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        // A development server keeps a generated secret; never in the working tree.
        env["CAREERAI_SECRET_FILE"] =
            FileManager.default.temporaryDirectory.appendingPathComponent("careerai-test-\(UUID().uuidString).secret")
            .path
        process.environment = env.merging(environment) { _, new in new }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        // Drain both pipes on Dispatch threads (not Swift's small cooperative pool) while waiting,
        // so that a chatty process never blocks on a full pipe; as it comes, so `input` sees prompts.
        let outBox = DataBox()
        let errBox = DataBox()
        let readers = DispatchGroup()
        for (pipe, box) in [(out, outBox), (err, errBox)] {
            DispatchQueue.global().async(group: readers) {
                while case let chunk = pipe.fileHandleForReading.availableData, !chunk.isEmpty { box.append(chunk) }
            }
        }
        if let input {
            try await input(stdin.fileHandleForWriting, OutputSoFar(errBox: errBox))
            try stdin.fileHandleForWriting.close()
        }
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        }
        // Wait for the readers without blocking a thread of the cooperative pool.
        await withCheckedContinuation { continuation in readers.notify(queue: .global()) { continuation.resume() } }
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: outBox.get(), as: UTF8.self), stderr: String(decoding: errBox.get(), as: UTF8.self)
        )
    }

    fileprivate final class DataBox: @unchecked Sendable {
        // @unchecked: guarded by `lock`.
        private let lock = NSLock()
        private var data = Data()
        func append(_ chunk: Data) {
            lock.lock()
            data.append(chunk)
            lock.unlock()
        }
        func get() -> Data {
            lock.lock()
            defer { lock.unlock() }
            return data
        }
    }
}

/// careerai-server running as its own process on an ephemeral loopback port.
public final class ServerProcess: @unchecked Sendable {
    // @unchecked: used from one test at a time.
    public let process: Process
    public let logURL: URL
    private let directory: URL

    public var target: String { "\(host):\(port)" }

    /// Starts the server and waits (bounded) until it has written its address.
    public static func start(environment: [String: String] = [:]) async throws -> ServerProcess {
        let server = try ServerProcess(environment: environment)
        try await server.waitForAddress()
        return server
    }

    public private(set) var host = ""
    public private(set) var port = 0
    private let addressFile: URL

    private init(environment: [String: String]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("careerai-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addressFile = directory.appendingPathComponent("address")
        logURL = directory.appendingPathComponent("server.log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: Executables.path("careerai-server"))
        process.arguments = ["serve", "--address-file", addressFile.path]
        var env = ProcessInfo.processInfo.environment
        env["CAREERAI_RPC_ADDR"] = "127.0.0.1:0"
        env["CAREERAI_DATABASE_URL"] = "sqlite:\(directory.appendingPathComponent("careerai.db").path)"
        env["CAREERAI_SECRET_FILE"] = directory.appendingPathComponent("careerai.secret").path
        env.merge(environment) { _, new in new }
        process.environment = env
        // Logs go to a file: a pipe nobody reads would fill up and stall the server.
        let log = try FileHandle(forWritingTo: logURL)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    private func waitForAddress() async throws {
        let deadline = Date().addingTimeInterval(30)
        var address: String?
        while Date() < deadline && process.isRunning {
            if let text = try? String(contentsOf: addressFile, encoding: .utf8), text.hasSuffix("\n") {
                address = text.trimmingCharacters(in: .whitespacesAndNewlines)
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        guard let address, let colon = address.lastIndex(of: ":"),
            let port = Int(address[address.index(after: colon)...])
        else {
            process.terminate()
            throw ServerProcessError.didNotStart(log: (try? String(contentsOf: logURL, encoding: .utf8)) ?? "")
        }
        host = String(address[..<colon])
        self.port = port
    }

    public var isRunning: Bool { process.isRunning }

    public var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Waits (bounded) until the log holds `text`: the server writes its log in batches.
    public func logContains(_ text: String, timeoutSeconds: Double = 10) async -> Bool {
        await eventually(timeoutMs: Int(timeoutSeconds * 1000)) { log.contains(text) }
    }

    /// Sends `signal` and waits (bounded) for the exit; returns the exit status, or nil if it did not exit.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeoutSeconds: Double = 30) async -> Int32? {
        await process.stop(signal: signal, timeoutSeconds: timeoutSeconds)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: directory)
    }
}

public enum ServerProcessError: Error, CustomStringConvertible {
    case didNotStart(log: String)
    public var description: String {
        switch self {
        case .didNotStart(let log): return "careerai-server did not start; its log:\n\(log)"
        }
    }
}
