import Client
import Contract
import Foundation

/// A failure a person can act on; printed as one line, exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum Output {
    static func json(_ object: [String: Any]) {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        write(data + Data("\n".utf8))
    }

    /// Standard output, or exit 1 when nobody reads it any more (a closed pipe): `FileHandle.write`
    /// would trap, and SIGPIPE is ignored so that it is an error rather than a kill.
    static func write(_ data: Data) {
        do {
            try FileHandle.standardOutput.write(contentsOf: data)
        } catch {
            FileHandle.standardError.write(
                Data("careerai: cannot write the output: \(error.localizedDescription)\n".utf8))
            Foundation.exit(1)
        }
    }

    /// A unix time as ISO 8601 UTC, e.g. 2026-12-25T09:00:00Z.
    static func date(_ unix: Int64) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(unix)))
    }

    static func line(_ text: String) {
        write(Data((text + "\n").utf8))
    }

    /// One line on standard error, then exit 1. RPC errors get a hint where one helps.
    static func fail(_ error: any Error, target: String) -> Never {
        let message: String
        switch error {
        case let error as RPCError where error.has(.connectFailed):
            message = "\(error.message) — is careerai-server running?"
        case let error as RPCError:
            var text = "\(error.message) (\(error.code)"
            if !error.reason.isEmpty { text += ", \(error.reason)" }
            text += ")"
            if let field = error.details["field"] { text += " [field: \(field)]" }
            message = text
        default:
            message = "\(error)"
        }
        FileHandle.standardError.write(Data("careerai: \(message)\n".utf8))
        exit(1)
    }
}
