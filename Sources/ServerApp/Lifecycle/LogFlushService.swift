import ServiceLifecycle

/// Writes the log's buffered lines every `LogSink.flushInterval` while the process runs, and once
/// more when it stops. Listed first in a group, so it is shut down last and the shutdown's own lines
/// are written too.
struct LogFlushService: Service {
    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: LogSink.flushInterval)
                LogSink.shared.flush()
            }
        }
        LogSink.shared.flush()
    }
}
