import Foundation

extension Process {
    /// Sends `signal` and waits (bounded) for the exit, polling instead of `waitUntilExit`, which
    /// would block a cooperative thread. The exit status, or nil if it did not exit (then SIGKILL).
    func stop(signal: Int32, timeoutSeconds: Double) async -> Int32? {
        guard isRunning else { return terminationStatus }
        kill(processIdentifier, signal)
        guard await eventually(timeoutMs: Int(timeoutSeconds * 1000), { !isRunning }) else {
            kill(processIdentifier, SIGKILL)
            return nil
        }
        return terminationStatus
    }
}
