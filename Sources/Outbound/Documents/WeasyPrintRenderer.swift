import Domain
import Foundation

/// Job Pack PDFs: the HTML template rendered by WeasyPrint as a subprocess, with
/// `--allowed-protocols data` (the page may fetch no file or URL), a time limit (killed after it),
/// a memory limit (`ulimit -v`) and a bound on the PDF's size. One temporary directory (0700) per
/// render, removed after.
public struct WeasyPrintRenderer: JobPackRenderer {
    public struct Limits: Sendable {
        public var timeout = Duration.seconds(60)
        public var maxMemoryBytes = 2 << 30
        public var maxPDFBytes = 16 << 20

        public init() {}
    }

    public let executable: String
    private let limits: Limits

    public init(executable: String, limits: Limits = Limits()) {
        self.executable = executable
        self.limits = limits
    }

    /// `CAREERAI_WEASYPRINT` when set, else the venv the install script makes (beside the build's
    /// binaries, or under ./.build), else `weasyprint` on PATH; nil when none is executable.
    public static func locate(override: String?, environment: [String: String]) -> String? {
        if let override { return FileManager.default.isExecutableFile(atPath: override) ? override : nil }
        var candidates: [String] = []
        if let binary = Bundle.main.executableURL?.deletingLastPathComponent() {
            candidates.append(binary.appendingPathComponent("../../weasyprint-venv/bin/weasyprint").standardized.path)
            candidates.append(binary.appendingPathComponent("../weasyprint-venv/bin/weasyprint").standardized.path)
        }
        candidates.append(FileManager.default.currentDirectoryPath + "/.build/weasyprint-venv/bin/weasyprint")
        for directory in (environment["PATH"] ?? "").split(separator: ":") {
            candidates.append("\(directory)/weasyprint")
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public func pdf(of result: JobPackResult, jobTitle: String, company: String) async throws -> [UInt8] {
        let html = JobPackHTML.render(result, jobTitle: jobTitle, company: company)
        return try await render(html: html)
    }

    public func render(html: String) async throws -> [UInt8] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "careerai-pdf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("job-pack.html")
        let output = directory.appendingPathComponent("job-pack.pdf")
        try Data(html.utf8).write(to: input)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // ulimit in the shell that then becomes WeasyPrint: the limit applies to it alone.
        process.arguments = [
            "-c", "ulimit -v \(limits.maxMemoryBytes / 1024) && exec \"$0\" \"$@\"", executable,
            "--allowed-protocols", "data", "--quiet", input.path, output.path,
        ]
        process.environment = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": directory.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let exit = try await Self.run(process, timeout: limits.timeout)
        let stderr = String(decoding: errors.fileHandleForReading.availableData.prefix(2000), as: UTF8.self)
        switch exit {
        case .timedOut:
            throw PDFRenderError("WeasyPrint took longer than \(limits.timeout.wholeSeconds) s")
        case .exited(let status) where status != 0:
            throw PDFRenderError("WeasyPrint exited with \(status): \(stderr.split(separator: "\n").last ?? "")")
        case .exited:
            break
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: output.path)
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        guard size > 0, size <= limits.maxPDFBytes else {
            throw PDFRenderError("WeasyPrint wrote \(size) bytes (limit \(limits.maxPDFBytes))")
        }
        let pdf = try Data(contentsOf: output)
        guard pdf.starts(with: Array("%PDF-".utf8)) else { throw PDFRenderError("WeasyPrint's output is not a PDF") }
        return Array(pdf)
    }

    enum Exit: Sendable {
        case exited(Int32)
        case timedOut
    }

    /// Runs `process` to its end, killing it (SIGKILL) after `timeout` or when the task is cancelled.
    static func run(_ process: Process, timeout: Duration) async throws -> Exit {
        let finished = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { finished.continuation.yield($0.terminationStatus) }
        try process.run()
        let pid = process.processIdentifier
        let killer = Task {
            try? await Task.sleep(for: timeout)
            kill(pid, SIGKILL)
        }
        defer { killer.cancel() }
        return await withTaskCancellationHandler {
            for await status in finished.stream {
                return process.terminationReason == .exit ? .exited(status) : .timedOut
            }
            return .timedOut
        } onCancel: {
            kill(pid, SIGKILL)
        }
    }
}

public struct PDFRenderError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
