import Domain
import Foundation
import Logging
import NIOPosix
import Synchronization

/// Job Pack PDFs: the HTML template rendered by WeasyPrint as a subprocess, with
/// `--allowed-protocols data` (the page may fetch no file or URL), a time limit (killed after it),
/// a memory limit (`ulimit -v`) and a bound on the PDF's size. One temporary directory (0700) per
/// render, removed after.
public struct WeasyPrintRenderer: JobPackRenderer {
    public struct Limits: Sendable {
        public var timeout = Duration.seconds(60)
        public var maxMemoryBytes = 2 << 30
        public var maxPDFBytes = 16 << 20
        /// Renders at once in this process (WeasyPrint is CPU-bound): the cores, by default.
        public var concurrentRenders = max(1, ProcessInfo.processInfo.activeProcessorCount)

        public init() {}
    }

    public let executable: String
    private let limits: Limits
    private let threadPool: NIOThreadPool
    private let slots: RenderSlots
    private let logger: Logger?

    public init(executable: String, threadPool: NIOThreadPool, limits: Limits = Limits(), logger: Logger? = nil) {
        self.logger = logger
        self.executable = executable
        self.threadPool = threadPool
        self.limits = limits
        self.slots = RenderSlots(limit: limits.concurrentRenders)
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
        let (executable, limits, threadPool, logger) = (self.executable, self.limits, self.threadPool, self.logger)
        return try await slots.run {
            let started = ContinuousClock.now
            defer {
                // One line per render (no content): what `careerai-bench pdf` reads its times from.
                logger?.info(
                    "pdf rendered", metadata: ["ms": "\((ContinuousClock.now - started).wholeMilliseconds)"])
            }
            let running = RunningProcess()
            // Blocking work (files, fork/exec, waiting) runs on the thread pool, never on the
            // cooperative pool; cancellation kills the process, which ends the wait.
            return try await withTaskCancellationHandler {
                try await threadPool.runIfActive {
                    try Self.renderBlocking(html: html, executable: executable, limits: limits, running: running)
                }
            } onCancel: {
                running.kill()
            }
        }
    }

    static func renderBlocking(html: String, executable: String, limits: Limits, running: RunningProcess) throws
        -> [UInt8]
    {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "careerai-pdf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("job-pack.html")
        let output = directory.appendingPathComponent("job-pack.pdf")
        let log = directory.appendingPathComponent("stderr.txt")
        try Data(html.utf8).write(to: input)
        FileManager.default.createFile(atPath: log.path, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // ulimit in the shell that then becomes WeasyPrint: the limit applies to it alone.
        process.arguments = [
            "-c", "ulimit -v \(limits.maxMemoryBytes / 1024) && exec \"$0\" \"$@\"", executable,
            "--allowed-protocols", "data", "--quiet", input.path, output.path,
        ]
        process.environment = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": directory.path]
        // Standard error to a file, not a pipe: nothing can block on a full or open pipe.
        let errors = try FileHandle(forWritingTo: log)
        defer { try? errors.close() }
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try running.start(process)
        let timer = DispatchWorkItem { running.kill() }
        DispatchQueue.global().asyncAfter(
            deadline: .now() + .milliseconds(Int(limits.timeout.wholeMilliseconds)), execute: timer)
        process.waitUntilExit()
        timer.cancel()
        let stderr = String(decoding: ((try? Data(contentsOf: log)) ?? Data()).suffix(2000), as: UTF8.self)
        guard process.terminationReason == .exit else {
            throw PDFRenderError(
                running.wasKilled
                    ? "WeasyPrint took longer than \(limits.timeout.wholeSeconds) s (or the run was cancelled)"
                    : "WeasyPrint died of signal \(process.terminationStatus)")
        }
        guard process.terminationStatus == 0 else {
            throw PDFRenderError(
                "WeasyPrint exited with \(process.terminationStatus): \(stderr.split(separator: "\n").last ?? "")")
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
}

/// The render's child process, so a timer or a cancellation can kill it from another thread.
final class RunningProcess: Sendable {
    private let state = Mutex<(pid: pid_t?, killed: Bool)>((nil, false))

    var wasKilled: Bool { state.withLock { $0.killed } }

    func start(_ process: Process) throws {
        try state.withLock { state in
            guard !state.killed else { throw CancellationError() }
            try process.run()
            state.pid = process.processIdentifier
        }
    }

    func kill() {
        state.withLock { state in
            state.killed = true
            if let pid = state.pid { Foundation.kill(pid, SIGKILL) }
        }
    }
}

public struct PDFRenderError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
