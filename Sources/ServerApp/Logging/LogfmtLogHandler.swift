import Foundation
import Logging
import Synchronization

/// Formats one logfmt line per event, `ts=… level=… msg=… key=value…`, for `LogSink` (standard error,
/// batched; whole lines, so lines from many threads never interleave).
public struct LogfmtLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = ""
        line.reserveCapacity(256)
        line += "ts="
        Self.appendTimestamp(to: &line)
        line += " level="
        line += event.level.rawValue
        line += " msg="
        Self.appendQuoted(event.message.description, to: &line)
        // One call's metadata is usually small; merge only when both sides have some.
        let merged: Logger.Metadata
        if let extra = event.metadata, !extra.isEmpty {
            merged = metadata.isEmpty ? extra : metadata.merging(extra) { _, new in new }
        } else {
            merged = metadata
        }
        for key in merged.keys.sorted() {
            line += " "
            line += key
            line += "="
            Self.appendQuoted(merged[key]!.description, to: &line)
        }
        line += "\n"
        LogSink.shared.append(line, urgent: event.level >= .warning)
    }

    /// A value as logfmt: bare when it is plain, else quoted with `\\`, `\"`, `\n`, `\r`, `\t` and
    /// every other control character (C0, DEL, C1, the Unicode line and paragraph separators) written
    /// as `\u{…}`, so that a value from a client can neither start a forged line nor hide in the
    /// terminal that shows the log.
    static func appendQuoted(_ value: String, to line: inout String) {
        let needsQuotes =
            value.isEmpty
            || value.utf8.contains { $0 <= 0x20 || $0 == 0x22 || $0 == 0x3D || $0 == 0x5C || $0 >= 0x7F }
        guard needsQuotes else {
            line += value
            return
        }
        line += "\""
        for character in value.unicodeScalars {
            switch character {
            case "\\": line += "\\\\"
            case "\"": line += "\\\""
            case "\n": line += "\\n"
            case "\r": line += "\\r"
            case "\t": line += "\\t"
            default:
                if isControl(character) {
                    line += "\\u{" + String(character.value, radix: 16) + "}"
                } else {
                    line.unicodeScalars.append(character)
                }
            }
        }
        line += "\""
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
    }

    /// RFC 3339 UTC with milliseconds, formatted by hand: `String(format:)` cost more than the rest
    /// of a log line.
    static func appendTimestamp(to line: inout String) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var time = now.tv_sec
        var parts = tm()
        gmtime_r(&time, &parts)
        func digits(_ value: Int, _ width: Int) {
            var text = String(value)
            while text.utf8.count < width { text = "0" + text }
            line += text
        }
        digits(Int(parts.tm_year) + 1900, 4)
        line += "-"
        digits(Int(parts.tm_mon) + 1, 2)
        line += "-"
        digits(Int(parts.tm_mday), 2)
        line += "T"
        digits(Int(parts.tm_hour), 2)
        line += ":"
        digits(Int(parts.tm_min), 2)
        line += ":"
        digits(Int(parts.tm_sec), 2)
        line += "."
        digits(now.tv_nsec / 1_000_000, 3)
        line += "Z"
    }
}

/// Installs the logfmt handler once for the whole process.
public enum ServerLogging {
    private static let bootstrapped = Mutex(false)

    public static func bootstrap(level: Logger.Level) {
        let first = bootstrapped.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        LoggingSystem.bootstrap { LogfmtLogHandler(label: $0, level: level) }
    }

    /// Writes out buffered log lines; call before the process exits.
    public static func flush() {
        LogSink.shared.flush()
    }
}
