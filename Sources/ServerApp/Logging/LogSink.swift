import Foundation
import Synchronization

/// Where log lines go: standard error, written in batches. One `write(2)` per line cost a tenth of
/// the server's CPU at full load; lines now collect in memory and go out every `flushInterval` (the
/// `LogFlushService` of a running process), at once for warnings and worse or when the buffer is
/// full, and on `flush()` (called before the process exits).
final class LogSink: Sendable {
    static let shared = LogSink()

    static let flushInterval = Duration.milliseconds(50)
    /// A burst larger than this is written at once instead of waiting for the timer.
    private static let maxBufferedBytes = 256 * 1024

    private let buffer = Mutex<[UInt8]>([])
    private let writeLock = Mutex(())

    private init() {}

    func append(_ line: String, urgent: Bool) {
        var line = line
        let full = line.withUTF8 { utf8 in
            buffer.withLock { pending in
                pending.append(contentsOf: utf8)
                return pending.count >= Self.maxBufferedBytes
            }
        }
        if urgent || full { flush() }
    }

    /// Writes everything buffered so far, in order.
    func flush() {
        writeLock.withLock { _ in
            let pending = buffer.withLock { pending in
                defer { pending.removeAll(keepingCapacity: true) }
                return pending
            }
            pending.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = Foundation.write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                    if written <= 0 { return }
                    offset += written
                }
            }
        }
    }
}
