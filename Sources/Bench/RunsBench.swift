import ArgumentParser
import Client
import Contract
import Foundation
import Wire

/// `careerai-bench runs`: StartJobPack per second (debit, run row, enqueue) at 16 in flight on
/// SQLite and PostgreSQL, and MOCK jobs per second end to end through Redis with 1 and 2 workers
/// (Skill Mapper runs: the MOCK model and no PDF, so the figure is the queue's and the database's;
/// `careerai-bench pdf` measures Job Packs with their PDFs).
struct RunsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract:
            "Run starts per second on SQLite and PostgreSQL, and MOCK jobs per second through Redis with 1 and 2 workers."
    )

    @Option(help: "Seconds to measure each start case.") var seconds: Double = 5
    @Option(help: "Runs per end-to-end case.") var jobs = 2_000
    @Option(help: "Concurrency of each worker process.") var workerConcurrency = 16
    @Option(help: "The careerai-server binary (default: beside this one).") var server: String?
    @Option(help: "PostgreSQL (default: $CAREERAI_TEST_POSTGRES_URL); a fresh database is not made: use an empty one.")
    var postgresURL: String?
    @Option(help: "Redis (default: $CAREERAI_TEST_REDIS_URL).") var redisURL: String?
    @Option(help: "Students starting runs at once, each on their own wallet and connection.") var students = 64
    @Option(help: "Connections starting runs at once on one wallet (the hot-row case).") var oneWalletConnections = 16
    @Option(help: "Cases to run, comma-separated: \(Case.allCases.map(\.rawValue).joined(separator: ",")).")
    var cases = Case.allCases.map(\.rawValue).joined(separator: ",")
    @Option(help: "Worker processes of the end-to-end case, comma-separated.") var workers = "1,2"

    enum Case: String, CaseIterable {
        case starts = "start_job_pack"
        case startsOneWallet = "start_job_pack_one_wallet"
        case endToEnd = "end_to_end"
    }

    func validate() throws {
        for name in cases.split(separator: ",") where Case(rawValue: String(name)) == nil {
            throw ValidationError("--cases: no case \(name)")
        }
        guard !workerCounts.isEmpty, workerCounts.allSatisfy({ (1...8).contains($0) }) else {
            throw ValidationError("--workers: counts of 1 to 8, comma-separated")
        }
    }

    private var selected: Set<Case> { Set(cases.split(separator: ",").compactMap { Case(rawValue: String($0)) }) }
    private var workerCounts: [Int] { workers.split(separator: ",").compactMap { Int($0) } }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let postgres = postgresURL ?? environment["CAREERAI_TEST_POSTGRES_URL"]
        guard let redis = redisURL ?? environment["CAREERAI_TEST_REDIS_URL"] else {
            throw BenchError(
                "runs needs Redis: --redis-url or CAREERAI_TEST_REDIS_URL (scripts/services.sh starts one)")
        }
        let binary = LoadGenerator.serverBinary(server)
        var engines: [(String, String?)] = [("sqlite", nil)]
        if let postgres {
            engines.append(("postgres", postgres))
        } else {
            print(#"{"bench":"runs","engine":"postgres","skipped":"no --postgres-url or CAREERAI_TEST_POSTGRES_URL"}"#)
        }
        for (engine, url) in engines where !selected.isDisjoint(with: [.starts, .startsOneWallet]) {
            // Starts only: the runs go to a Redis stream nobody reads, so the numbers are the server's.
            let setup = try await Setup.start(binary: binary, databaseURL: url, redisURL: redis)
            defer { setup.server.stop() }
            let generator = LoadGenerator(target: setup.server.target, seconds: seconds) { client in
                _ = try await client.runs.startJobPack(Self.request)
            }
            if selected.contains(.starts) {
                let tokens = try await setup.students(students)
                try await generator.measure(
                    connections: students, inFlight: 1,
                    labels: [
                        "bench": "runs", "case_name": "start_job_pack", "engine": engine, "queue": "redis",
                        "server_log_level": "notice", "students": students,
                    ], users: tokens)
            }
            // One hot wallet: every start locks the same row, so they commit one after another.
            if selected.contains(.startsOneWallet) {
                try await generator.measure(
                    connections: oneWalletConnections, inFlight: 1,
                    labels: [
                        "bench": "runs", "case_name": "start_job_pack_one_wallet", "engine": engine, "queue": "redis",
                        "server_log_level": "notice", "students": 1,
                    ], signedIn: setup.token)
            }
        }
        let e2eEngine = postgres == nil ? "sqlite" : "postgres"
        for workers in workerCounts where selected.contains(.endToEnd) {
            let setup = try await Setup.start(binary: binary, databaseURL: postgres, redisURL: redis)
            defer { setup.server.stop() }
            try await endToEnd(setup, workers: workers, engine: e2eEngine)
        }
    }

    static let request: StartJobPackRequest = {
        var request = StartJobPackRequest()
        request.jobTitle = "Data Analyst"
        request.company = "Acme"
        request.jobDescription = String(repeating: "SQL and Python. ", count: 50)
        request.resumeText = String(repeating: "Statistics student. ", count: 50)
        return request
    }()

    static let skillMapperRequest: StartSkillMapperRequest = {
        var request = StartSkillMapperRequest()
        request.profileText = String(repeating: "Statistics student; SQL and Python. ", count: 20)
        request.resumeText = request.profileText
        return request
    }()

    /// Queues `jobs` runs with no worker running, starts the workers, and times until all succeeded.
    private func endToEnd(_ setup: Setup, workers: Int, engine: String) async throws {
        var configuration = try ClientConfiguration(target: setup.server.target)
        configuration.defaultMetadata[MetadataKey.tenant] = "demo"
        let client = CareerAIClient(configuration: configuration.signedIn(token: setup.token))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<16 {
                group.addTask {
                    for _ in stride(from: lane, to: jobs, by: 16) {
                        _ = try await client.runs.startSkillMapper(Self.skillMapperRequest)
                    }
                }
            }
            try await group.waitForAll()
        }
        let started = ContinuousClock.now
        let processes = try (0..<workers).map { _ in try setup.startWorker(concurrency: workerConcurrency) }
        defer {
            for process in processes {
                if process.isRunning {
                    process.terminate()
                    process.waitUntilExit()
                }
                ChildProcesses.forget(process)
            }
        }
        var succeeded = 0
        var failed = 0
        while true {
            (succeeded, failed) = try await Self.finalCount(client, expected: jobs)
            if succeeded + failed >= jobs { break }
            guard ContinuousClock.now - started < .seconds(600) else {
                throw BenchError("end-to-end: only \(succeeded) of \(jobs) after 600 s")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let elapsed = ContinuousClock.now - started
        await client.close()
        let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let line: [String: Any] = [
            "bench": "runs", "case_name": "end_to_end_mock_skill_mapper", "engine": engine, "queue": "redis",
            "workers": workers,
            "worker_concurrency": workerConcurrency, "jobs": jobs, "succeeded": succeeded, "failed": failed,
            "seconds": (elapsedSeconds * 100).rounded() / 100, "jobs_per_s": Int(Double(succeeded) / elapsedSeconds),
        ]
        let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }

    /// Succeeded and failed among the newest `expected` runs, or (0, 0) while the newest page is not
    /// all final. A poll must not load the system it measures: a full count pages through every run
    /// (20 pages of 100 for 2,000 jobs, ten times a second), so it is taken only once the newest
    /// hundred are final (workers take runs roughly oldest first).
    static func finalCount(_ client: CareerAIClient, expected: Int) async throws -> (Int, Int) {
        let newest = min(expected, 100)
        let (succeeded, failed) = try await count(client, expected: newest)
        guard succeeded + failed >= newest else { return (0, 0) }
        return newest == expected ? (succeeded, failed) : try await count(client, expected: expected)
    }

    /// Succeeded and failed among the newest `expected` runs (all of this case's).
    static func count(_ client: CareerAIClient, expected: Int) async throws -> (Int, Int) {
        var succeeded = 0
        var failed = 0
        var seen = 0
        var token = ""
        repeat {
            let page = try await client.runs.list(pageSize: 100, pageToken: token)
            for run in page.runs.prefix(expected - seen) {
                switch run.statusValue {
                case .succeeded: succeeded += 1
                case .failed: failed += 1
                default: break
                }
            }
            seen += page.runs.count
            token = page.nextPageToken
        } while !token.isEmpty && seen < expected
        return (succeeded, failed)
    }

    /// A server on the given database and Redis, a signed-in university admin with a million silver.
    struct Setup {
        let server: ServerUnderTest
        let token: String
        let environment: [String: String]
        let binary: String

        /// The server logs at notice: no line per call, but the sign-in code the bench reads.
        /// `redisURL` nil: the in-process queue (for benches that start no run).
        static func start(binary: String, databaseURL: String?, redisURL: String?) async throws -> Setup {
            var environment = [
                "CAREERAI_LOG_LEVEL": "warning",
                "CAREERAI_QUEUE": "bench_\(UUID().uuidString.prefix(8))", "MOCK": "1",
                "CAREERAI_OTP_MAX_PER_ADDRESS_PER_HOUR": "100000",
                // The start cases leave their runs queued on a stream nobody reads; a later case's
                // sweeper must not queue them again into its own (it did: 13,000 Job Packs with their
                // PDFs went to the end-to-end case's workers).
                "CAREERAI_REQUEUE_AFTER_S": "86400",
            ]
            if let databaseURL { environment["CAREERAI_DATABASE_URL"] = databaseURL }
            if let redisURL { environment["CAREERAI_REDIS_URL"] = redisURL }
            // Codes are logged at notice; the bench reads its own from the log.
            var serverEnvironment = environment
            serverEnvironment["CAREERAI_LOG_LEVEL"] = "notice"
            let server = try await ServerUnderTest(binary: binary, environment: serverEnvironment)
            environment["CAREERAI_DATABASE_URL"] = server.databaseURL
            let email = "bench-\(UUID().uuidString.prefix(8).lowercased())@demo.edu"
            var configuration = try ClientConfiguration(target: server.target)
            configuration.defaultMetadata[MetadataKey.tenant] = "demo"
            let client = CareerAIClient(configuration: configuration)
            _ = try await client.auth.requestEmailOtp(email: email)
            let code = try await Self.code(in: server, for: email)
            let session = try await client.auth.verifyEmailOtp(email: email, code: code)
            await client.close()
            try Self.promote(binary: binary, email: email, environment: environment)
            let admin = CareerAIClient(configuration: configuration.signedIn(token: session.token))
            // Silver for Job Packs, gold for the end-to-end case's Skill Mapper runs.
            for currency in ["silver", "gold"] {
                _ = try await admin.wallet.topUp(
                    userID: session.user!.id, currency: currency, amount: 1_000_000, reason: "bench \(currency)",
                    idempotencyKey: nil)
            }
            await admin.close()
            return Setup(server: server, token: session.token, environment: environment, binary: binary)
        }

        /// `log`: where the worker's log goes (at info), else nowhere (at warning).
        /// `count` signed-in students, each with a wallet of a million silver (so no start is refused).
        func students(_ count: Int) async throws -> [String] {
            var configuration = try ClientConfiguration(target: server.target)
            configuration.defaultMetadata[MetadataKey.tenant] = "demo"
            let client = CareerAIClient(configuration: configuration)
            let admin = CareerAIClient(configuration: configuration.signedIn(token: token))
            var tokens: [String] = []
            for index in 0..<count {
                let email = "student-\(index)-\(UUID().uuidString.prefix(6).lowercased())@demo.edu"
                _ = try await client.auth.requestEmailOtp(email: email)
                let session = try await client.auth.verifyEmailOtp(
                    email: email, code: try await Self.code(in: server, for: email))
                _ = try await admin.wallet.topUp(
                    userID: session.user!.id, currency: "silver", amount: 1_000_000, reason: "bench")
                tokens.append(session.token)
            }
            await client.close()
            await admin.close()
            return tokens
        }

        func startWorker(concurrency: Int, log: URL? = nil) throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["worker", "--concurrency", "\(concurrency)"]
            var workerEnvironment = environment
            if log != nil { workerEnvironment["CAREERAI_LOG_LEVEL"] = "info" }
            process.environment = ProcessInfo.processInfo.environment.merging(workerEnvironment) { _, new in new }
            process.standardOutput = FileHandle.nullDevice
            if let log {
                FileManager.default.createFile(atPath: log.path, contents: nil)
                process.standardError = try FileHandle(forWritingTo: log)
            } else {
                process.standardError = FileHandle.nullDevice
            }
            process.standardInput = FileHandle.nullDevice
            try ChildProcesses.run(process)
            return process
        }

        static func code(in server: ServerUnderTest, for email: String) async throws -> String {
            try await code(inLog: server.logURL, for: email)
        }

        /// The sign-in code the console mailer logged for `email` (the server logs at notice).
        static func code(inLog log: URL, for email: String) async throws -> String {
            for _ in 0..<250 {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                for line in text.split(separator: "\n").reversed() where line.contains("to=\(email)") {
                    if let range = line.range(of: #"code=[0-9]{6}"#, options: .regularExpression) {
                        return String(line[range].dropFirst(5))
                    }
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            throw BenchError("no sign-in code for \(email) in \(log.path)")
        }

        static func promote(binary: String, email: String, environment: [String: String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["user", "promote", "--email", email, "--role", "university_admin"]
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
            process.standardOutput = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw BenchError("careerai-server user promote failed") }
        }
    }
}
