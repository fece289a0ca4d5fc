import Dispatch
import Foundation
import Synchronization

/// The servers and workers a benchmark started. Interrupting careerai-bench (Ctrl-C, SIGTERM) stops
/// them too, instead of leaving servers holding ports and workers reading a queue. (SIGKILL cannot
/// be caught; `CAREERAI_…` test services are the caller's to stop.)
enum ChildProcesses {
    private static let running = Mutex<[Int32: Process]>([:])
    nonisolated(unsafe) private static var signalSources: [DispatchSourceSignal] = []

    /// Starts `process` and keeps it until `forget` or exit.
    static func run(_ process: Process) throws {
        try process.run()
        running.withLock { $0[process.processIdentifier] = process }
    }

    static func forget(_ process: Process) {
        _ = running.withLock { $0.removeValue(forKey: process.processIdentifier) }
    }

    /// Starts `binary` with this process's environment and `environment` over it, its stdout and
    /// stderr to `log` (created), no stdin.
    static func start(_ binary: String, arguments: [String], environment: [String: String], log: URL) throws
        -> Process
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try run(process)
        return process
    }

    /// SIGTERM, then waits for the exit.
    static func stop(_ process: Process) {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        forget(process)
    }

    /// Called once from main, before any child starts.
    static func stopChildrenOnInterrupt() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)  // the dispatch source sees it instead of the default action
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                let children = running.withLock { Array($0.values) }
                for child in children where child.isRunning { kill(child.processIdentifier, SIGTERM) }
                for child in children { child.waitUntilExit() }
                exit(128 + signalNumber)
            }
            source.resume()
            signalSources.append(source)
        }
    }
}
