import Foundation
import Testing

/// One mail the SMTP stand-in received.
public struct ReceivedMail: Sendable {
    public let raw: String

    /// The six-digit code in the subject line.
    public var code: String? {
        guard let subject = raw.split(separator: "\r\n").first(where: { $0.hasPrefix("Subject:") }) else { return nil }
        let digits = subject.split(whereSeparator: { !$0.isNumber }).last.map(String.init)
        return digits?.count == 6 ? digits : nil
    }
}

/// A real SMTP server on loopback (Python's aiosmtpd, Tests/StandIns/smtp_sink.py) that keeps every
/// message it accepts, so tests read the code out of the mail the way a student would.
public final class SMTPStandIn: @unchecked Sendable {
    // @unchecked: immutable after start; the process is only signalled.
    public let port: Int
    private let process: Process
    private let maildir: URL

    public var url: String { "smtp://127.0.0.1:\(port)" }

    /// Nil (after recording why) when Python with aiosmtpd is not available; CI=true makes that a failure.
    public static func start() async throws -> SMTPStandIn? {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let python =
            ProcessInfo.processInfo.environment["CAREERAI_TEST_PYTHON"]
            ?? root.appendingPathComponent(".build/interop-venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            let why = "no Python with aiosmtpd at \(python) (scripts/test.sh installs it)"
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record(Comment(rawValue: why))
            } else {
                print("note: SMTP tests skipped: \(why)")
            }
            return nil
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "careerai-smtp-\(UUID().uuidString)")
        let maildir = directory.appendingPathComponent("mail")
        try FileManager.default.createDirectory(at: maildir, withIntermediateDirectories: true)
        let portFile = directory.appendingPathComponent("port")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [
            root.appendingPathComponent("Tests/StandIns/smtp_sink.py").path, maildir.path, portFile.path,
        ]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && process.isRunning {
            if let text = try? String(contentsOf: portFile, encoding: .utf8),
                let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                return SMTPStandIn(port: port, process: process, maildir: maildir)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(process.processIdentifier, SIGKILL)
        throw CocoaError(.fileReadNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "the SMTP stand-in did not start"])
    }

    private init(port: Int, process: Process, maildir: URL) {
        self.port = port
        self.process = process
        self.maildir = maildir
    }

    /// Every message to `address`, oldest first.
    public func mails(to address: String) -> [ReceivedMail] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: maildir.path)) ?? []).filter {
            $0.hasSuffix(".eml")
        }.sorted()
        return names.compactMap { name in
            guard let raw = try? String(contentsOf: maildir.appendingPathComponent(name), encoding: .utf8),
                let first = raw.split(separator: "\r\n").first,
                first.dropFirst("X-Rcpt-To: ".count).split(separator: ",").contains(where: { $0 == address })
            else { return nil }
            return ReceivedMail(raw: raw)
        }
    }

    /// Waits (bounded) until `address` has received `count` messages and returns the last of them.
    public func waitForMail(to address: String, count: Int = 1, timeoutSeconds: Double = 10) async throws
        -> ReceivedMail
    {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while true {
            let mails = self.mails(to: address)
            if mails.count >= count { return mails[count - 1] }
            guard Date() < deadline else {
                throw CocoaError(
                    .fileReadNoSuchFile,
                    userInfo: [NSLocalizedDescriptionKey: "no mail #\(count) to \(address) within \(timeoutSeconds) s"])
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// SIGKILL (a child of the test runner may inherit a mask that blocks SIGTERM); nothing waits for
    /// the exit: blocking a thread of Swift's small cooperative pool stalls every other test.
    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: maildir.deletingLastPathComponent())
    }

    deinit { stop() }
}
