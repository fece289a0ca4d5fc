import ArgumentParser
import Client
import Contract
import Foundation
import Wire

/// `careerai-bench pdf`: Job Pack PDFs per second through Redis workers (MOCK model, real
/// WeasyPrint), with 1 and 2 worker processes; p50/p99 of the render time (from the workers'
/// "pdf rendered" lines) and each case's peak worker RSS (VmHWM; WeasyPrint's own processes are
/// apart).
struct PDFBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pdf", abstract: "Job Pack PDFs rendered per second with 1 and 2 workers (MOCK model).")

    @Option(help: "Job Packs per case.") var jobs = 40
    @Option(help: "Concurrency of each worker process.") var workerConcurrency = 4
    @Option(help: "The careerai-server binary (default: beside this one).") var server: String?
    @Option(help: "PostgreSQL (default: $CAREERAI_TEST_POSTGRES_URL; SQLite without one).") var postgresURL: String?
    @Option(help: "Redis (default: $CAREERAI_TEST_REDIS_URL).") var redisURL: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let redis = redisURL ?? environment["CAREERAI_TEST_REDIS_URL"] else {
            throw BenchError("pdf needs Redis: --redis-url or CAREERAI_TEST_REDIS_URL (scripts/services.sh starts one)")
        }
        let postgres = postgresURL ?? environment["CAREERAI_TEST_POSTGRES_URL"]
        let binary = LoadGenerator.serverBinary(server)
        for workers in [1, 2] {
            let setup = try await RunsBench.Setup.start(binary: binary, databaseURL: postgres, redisURL: redis)
            defer { setup.server.stop() }
            try await measure(setup, workers: workers, engine: postgres == nil ? "sqlite" : "postgres")
        }
    }

    private func measure(_ setup: RunsBench.Setup, workers: Int, engine: String) async throws {
        var configuration = try ClientConfiguration(target: setup.server.target)
        configuration.defaultMetadata[MetadataKey.tenant] = "demo"
        let client = CareerAIClient(configuration: configuration.signedIn(token: setup.token))
        var request = StartJobPackRequest()
        request.jobTitle = "Data Analyst"
        request.company = "Acme Analytics"
        request.jobDescription = String(repeating: "Analyse data with SQL and Python; present findings. ", count: 20)
        request.resumeText = """
            Student of statistics at Demo University, graduating in 2027.
            Built a Python dashboard that tracks campus library usage for 3,000 students.
            Analysed survey data with SQL and pandas for the student union.
            Tutored first-year students in introductory probability.
            Led a team of four in a data visualisation competition, placing second.
            """
        for _ in 0..<jobs { _ = try await client.runs.startJobPack(request) }
        let logs = (0..<workers).map {
            FileManager.default.temporaryDirectory.appendingPathComponent(
                "careerai-bench-pdf-\(UUID().uuidString)-\($0).log")
        }
        let started = ContinuousClock.now
        let processes = try logs.map { try setup.startWorker(concurrency: workerConcurrency, log: $0) }
        var peakRSSKiB = 0
        defer {
            for process in processes {
                if process.isRunning {
                    process.terminate()
                    process.waitUntilExit()
                }
                ChildProcesses.forget(process)
            }
            for log in logs { try? FileManager.default.removeItem(at: log) }
        }
        var (succeeded, failed) = (0, 0)
        while true {
            (succeeded, failed) = try await RunsBench.finalCount(client, expected: jobs)
            for process in processes { peakRSSKiB = max(peakRSSKiB, Self.peakRSSKiB(process.processIdentifier)) }
            if succeeded + failed >= jobs { break }
            guard ContinuousClock.now - started < .seconds(900) else {
                throw BenchError("pdf: only \(succeeded) of \(jobs) after 900 s")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        let elapsed = ContinuousClock.now - started
        await client.close()
        var renderMs: [Int] = []
        for log in logs {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") where line.contains("pdf rendered") {
                if let range = line.range(of: #"ms=[0-9]+"#, options: .regularExpression),
                    let ms = Int(line[range].dropFirst(3))
                {
                    renderMs.append(ms)
                }
            }
        }
        renderMs.sort()
        func percentile(_ p: Double) -> Int {
            renderMs.isEmpty ? 0 : renderMs[min(renderMs.count - 1, Int(Double(renderMs.count) * p))]
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let line: [String: Any] = [
            "bench": "pdf", "engine": engine, "queue": "redis", "model": "MOCK", "workers": workers,
            "worker_concurrency": workerConcurrency, "cores": ProcessInfo.processInfo.activeProcessorCount,
            "jobs": jobs, "succeeded": succeeded, "failed": failed, "seconds": (seconds * 100).rounded() / 100,
            "pdfs_per_s": (Double(succeeded) / seconds * 100).rounded() / 100, "renders_logged": renderMs.count,
            "render_ms_p50": percentile(0.5), "render_ms_p99": percentile(0.99),
            "worker_peak_rss_mib": peakRSSKiB / 1024,
        ]
        let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }

    /// VmHWM: the process's peak resident set, in KiB (0 when it is gone).
    static func peakRSSKiB(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        return 0
    }
}
