import ArgumentParser
import Client
import Contract
import Foundation
import Wire

/// `careerai-bench faults`: the product under faults. Its own PostgreSQL (defaults: fsync on) and
/// Redis, one server, two workers, and students starting Job Packs one after another while the
/// suite SIGKILLs workers, restarts Redis without its data, restarts PostgreSQL (immediate mode:
/// crash recovery) and SIGKILLs the server in the middle of starts. After each fault it waits until
/// a start is answered and a run finishes again (the recovery time). Then every answered run must
/// be final and in the database, no run charged twice, every failed run refunded once, and
/// `careerai-server audit` clean. One JSON line; the exit status is 1 when any of that fails.
struct FaultsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "faults",
        abstract: "Worker SIGKILLs, Redis and PostgreSQL restarts, server SIGKILLs under load; checks nothing is lost."
    )

    @Option(help: "Worker SIGKILLs.") var workerKills = 100
    @Option(help: "Redis restarts without its data.") var redisRestarts = 10
    @Option(help: "PostgreSQL restarts (immediate mode).") var postgresRestarts = 3
    @Option(help: "Server SIGKILLs while starts are in flight.") var serverKills = 5
    @Option(help: "Students, each starting one Job Pack after another.") var students = 32
    @Option(help: "Worker processes.") var workers = 2
    @Option(help: "Runs each worker processes at once.") var workerConcurrency = 4
    @Option(help: "The longest pause between faults, in milliseconds (each pause is random below it).")
    var maxPauseMs = 1_500
    @Flag(help: "The CI size: 10 worker kills, 2 Redis and 1 PostgreSQL restart, 2 server kills, 16 students.")
    var reduced = false
    @Option(help: "The careerai-server binary (default: beside this one).") var server: String?

    func validate() throws {
        guard [workerKills, redisRestarts, postgresRestarts, serverKills].allSatisfy({ (0...10_000).contains($0) }),
            (1...512).contains(students), (1...16).contains(workers), (1...64).contains(workerConcurrency),
            (0...60_000).contains(maxPauseMs)
        else { throw ValidationError("counts must be 0…10000, students 1…512, workers 1…16, concurrency 1…64") }
    }

    enum Fault: String, CaseIterable {
        case workerKill = "worker_kill"
        case redisRestart = "redis_restart"
        case postgresRestart = "postgres_restart"
        case serverKill = "server_kill"
    }

    func run() async throws {
        let counts: [Fault: Int] =
            reduced
            ? [.workerKill: 10, .redisRestart: 2, .postgresRestart: 1, .serverKill: 2]
            : [
                .workerKill: workerKills, .redisRestart: redisRestarts, .postgresRestart: postgresRestarts,
                .serverKill: serverKills,
            ]
        let studentCount = reduced ? 16 : students
        let cluster = try FaultCluster(
            binary: LoadGenerator.serverBinary(server), workers: workers, workerConcurrency: workerConcurrency)
        defer { cluster.stop() }
        let began = ContinuousClock.now
        try await cluster.start()
        let students = try await Self.signIn(studentCount, on: cluster)
        let clients = students.map(\.client)

        let observations = FaultObservations()
        let load = Task {
            await withTaskGroup(of: Void.self) { group in
                for (index, client) in clients.enumerated() {
                    group.addTask {
                        await FaultStudent(index: index, client: client, observations: observations).run()
                    }
                }
            }
        }
        // Warm: the first runs finish before the first fault.
        guard try await Self.waitUntil(.seconds(120), { observations.recovered(since: began) }) else {
            throw BenchError("faults: no run finished within 120 s of the start; see \(cluster.directory.path)")
        }

        var schedule = counts.flatMap { Array(repeating: $0.key, count: $0.value) }
        schedule.shuffle()
        var recoveries: [Fault: [Double]] = [:]
        var unrecovered: [String] = []
        for fault in schedule {
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...maxPauseMs)))
            if fault == .serverKill {
                // In the middle of starts: wait (briefly) for one to be in flight.
                _ = try await Self.waitUntil(.seconds(10)) { observations.snapshot().startsInFlight > 0 }
            }
            let injected = ContinuousClock.now
            switch fault {
            case .workerKill: try cluster.killWorker(Int.random(in: 0..<workers))
            case .redisRestart: try await cluster.restartRedisWithoutData()
            case .postgresRestart: try await cluster.restartPostgres()
            case .serverKill: try await cluster.killServer()
            }
            if try await Self.waitUntil(.seconds(120), { observations.recovered(since: injected) }) {
                recoveries[fault, default: []].append(Self.seconds(ContinuousClock.now - injected))
            } else {
                unrecovered.append(fault.rawValue)
            }
        }

        // Let every student finish the run it has in flight, then check the books.
        observations.stop()
        let drained = try await Self.waitUntil(.seconds(360)) { load.isCancelled || observations.isIdle }
        load.cancel()
        await load.value
        let verdict = try await FaultVerdict.check(students: students, observations: observations, cluster: cluster)
        for client in clients { await client.close() }

        let seen = observations.snapshot()
        var line: [String: Any] = [
            "bench": "faults", "students": studentCount, "workers": workers, "worker_concurrency": workerConcurrency,
            "postgres": "own cluster, defaults (fsync on, synchronous_commit on)", "queue": "redis",
            "runs_started": verdict.runsInDatabase, "succeeded": verdict.succeeded,
            "failed_refunded": verdict.failedRefunded, "failed_reasons": verdict.failedReasons, "lost": verdict.lost,
            "double_charges": verdict.doubleCharges,
            "wallet_mismatches": verdict.walletMismatches, "audit_clean": verdict.auditClean,
            "unrecovered_faults": unrecovered, "fatal_errors": Array(seen.fatal.prefix(10)),
            "stuck_runs": seen.stuck.count, "drained": drained, "retried_calls": seen.retried,
            "seconds": (Self.seconds(ContinuousClock.now - began) * 10).rounded() / 10,
        ]
        for fault in Fault.allCases {
            line[fault.rawValue + "s"] = counts[fault] ?? 0
            let times = (recoveries[fault] ?? []).sorted()
            line["recovery_s_" + fault.rawValue] = [
                "p50": times.isEmpty ? 0 : (times[times.count / 2] * 100).rounded() / 100,
                "max": ((times.last ?? 0) * 100).rounded() / 100, "count": times.count,
            ]
        }
        let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
        FileHandle.standardOutput.write(data + Data("\n".utf8))
        let clean =
            verdict.lost == 0 && verdict.doubleCharges == 0 && verdict.walletMismatches == 0 && verdict.auditClean
            && unrecovered.isEmpty && seen.fatal.isEmpty && seen.stuck.isEmpty && drained
        if clean {
            cluster.stop()
            cluster.removeFiles()
        } else {
            FileHandle.standardError.write(
                Data(
                    "faults: FAILED; logs kept in \(cluster.directory.path)\n\(verdict.notes.prefix(20).joined(separator: "\n"))\n"
                        .utf8))
            throw ExitCode(1)
        }
    }

    // MARK: setup

    /// Signed-in students with a million silver each (admin-granted) besides their sign-up grant,
    /// each with a client of its own and the silver it starts with.
    static func signIn(_ count: Int, on cluster: FaultCluster) async throws -> [(client: CareerAIClient, silver: Int64)]
    {
        var configuration = try ClientConfiguration(target: cluster.target)
        configuration.defaultMetadata[MetadataKey.tenant] = "demo"
        let anonymous = CareerAIClient(configuration: configuration)
        func session(_ email: String) async throws -> (token: String, userID: String) {
            _ = try await anonymous.auth.requestEmailOtp(email: email)
            let code = try await RunsBench.Setup.code(inLog: cluster.serverLog, for: email)
            let session = try await anonymous.auth.verifyEmailOtp(email: email, code: code)
            return (session.token, session.user?.id ?? "")
        }
        let adminEmail = "faults-admin-\(UUID().uuidString.prefix(6).lowercased())@demo.edu"
        let adminToken = try await session(adminEmail).token
        try cluster.promote(email: adminEmail)
        let admin = CareerAIClient(configuration: configuration.signedIn(token: adminToken))
        var clients: [(client: CareerAIClient, silver: Int64)] = []
        for index in 0..<count {
            let student = try await session("faults-\(index)-\(UUID().uuidString.prefix(6).lowercased())@demo.edu")
            _ = try await admin.wallet.topUp(
                userID: student.userID, currency: "silver", amount: FaultVerdict.grant, reason: "faults")
            let client = CareerAIClient(configuration: configuration.signedIn(token: student.token))
            clients.append((client, try await client.wallet.wallet().silver))
        }
        await admin.close()
        await anonymous.close()
        return clients
    }

    static func waitUntil(_ limit: Duration, _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
