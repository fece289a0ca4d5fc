import Client
import Contract
import Foundation
import RPCCore
import TestSupport
import Testing
import Wire

/// careerai-server and its workers as real processes on Redis and a database file.
@Suite("Workers as processes: SIGKILL mid-run, Redis losing its data, graceful SIGTERM")
struct WorkerProcessTests {
    struct Setup {
        let directory: URL
        let environment: [String: String]
        let smtp: SMTPStandIn
        let server: ServerProcess
        let database: TestDatabase

        func close() async {
            await server.stop()
            smtp.stop()
            await database.close()
            try? FileManager.default.removeItem(at: directory)
        }

        func client(token: String? = nil) throws -> CareerAIClient {
            var configuration = try ClientConfiguration(target: server.target)
            configuration.defaultMetadata["x-tenant"] = "demo"
            if let token { configuration = configuration.signedIn(token: token) }
            return CareerAIClient(configuration: configuration)
        }

        func signIn(_ email: String) async throws -> String {
            let client = try client()
            _ = try await client.auth.requestEmailOtp(email: email)
            let code = try #require(try await smtp.waitForMail(to: email).code)
            let session = try await client.auth.verifyEmailOtp(email: email, code: code)
            await client.close()
            return session.token
        }

        func worker(_ extra: [String] = []) throws -> WorkerProcess {
            try WorkerProcess(environment: environment, arguments: extra)
        }

        func audit() async throws -> Executables.Result {
            try await Executables.run("careerai-server", ["audit"], environment: environment)
        }
    }

    static func setUp(_ engine: Engine, redisURL: String, extra: [String: String] = [:]) async throws -> Setup? {
        guard let database = try await TestDatabase.make(engine) else { return nil }
        guard let smtp = try await SMTPStandIn.start() else {
            await database.close()
            return nil
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "careerai-workers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var environment = [
            "CAREERAI_DATABASE_URL": database.url,
            "CAREERAI_SECRET_FILE": directory.appendingPathComponent("secret").path,
            "CAREERAI_REDIS_URL": redisURL, "CAREERAI_QUEUE": "q_\(UUID().uuidString.prefix(8))",
            "CAREERAI_SMTP_URL": smtp.url, "CAREERAI_MAIL_FROM": "no-reply@careerai.test",
            "CAREERAI_VISIBILITY_TIMEOUT_S": "1", "CAREERAI_HEARTBEAT_MS": "200", "CAREERAI_SWEEP_INTERVAL_MS": "300",
            "CAREERAI_REQUEUE_AFTER_S": "1",
        ]
        environment.merge(extra) { _, new in new }
        let server = try await ServerProcess.start(environment: environment)
        return Setup(directory: directory, environment: environment, smtp: smtp, server: server, database: database)
    }

    static func waitFor(_ client: CareerAIClient, _ id: String, status: String, timeoutSeconds: Double = 120)
        async throws -> RunMessage
    {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while true {
            let run = try await client.runs.get(id: id)
            if run.status == status { return run }
            guard Date() < deadline else {
                throw CocoaError(
                    .fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "run \(id) stuck at \(run.status)"])
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    static let jobPack: StartJobPackRequest = {
        var request = StartJobPackRequest()
        request.jobTitle = "Analyst"
        request.company = "Acme"
        request.jobDescription = "SQL"
        request.resumeText = RunsTests.jobPack().resumeText
        return request
    }()

    @Test(
        "a worker killed with SIGKILL mid-run: another worker completes the run, charged once; the audit passes",
        .enabled(if: TestServices.redis, "needs Redis (scripts/test.sh starts one)"),
        arguments: Engine.testable)
    func sigkillMidRun(_ engine: Engine) async throws {
        guard let redisURL = TestRedis.sharedURL(),
            let setup = try await Self.setUp(engine, redisURL: redisURL, extra: ["CAREERAI_MOCK_DELAY_MS": "1500"])
        else { return }
        let token = try await setup.signIn("k@demo.edu")
        let client = try setup.client(token: token)
        let doomed = try setup.worker()
        let run = try await client.runs.startJobPack(Self.jobPack)
        _ = try await Self.waitFor(client, run.id, status: "running")
        await doomed.stop(signal: SIGKILL)

        let rescuer = try setup.worker()
        let finished = try await Self.waitFor(client, run.id, status: "succeeded")
        #expect(finished.resultJSON.contains("resume_bullets"))
        #expect(try await client.wallet.wallet().silver == 9, "charged once")
        let debits = try await client.wallet.transactions().transactions.filter { $0.type == "debit" }
        #expect(debits.count == 1 && debits[0].status == "completed")
        let audit = try await setup.audit()
        #expect(audit.status == 0 && audit.stdout.hasPrefix("audit ok"), "\(audit.stdout)\(audit.stderr)")
        #expect(await rescuer.stop() == 0, "SIGTERM stops a worker cleanly")
        await client.close()
        await setup.close()
    }

    @Test(
        "Redis restarted with its data lost while runs are queued: the sweeper queues them again and none is lost",
        .enabled(if: TestServices.redisServer, "needs redis-server"),
        arguments: Engine.testable)
    func redisLosesQueuedRuns(_ engine: Engine) async throws {
        guard let redis = try await PrivateRedis.start(),
            let setup = try await Self.setUp(engine, redisURL: redis.url)
        else { return }
        let token = try await setup.signIn("r@demo.edu")
        let client = try setup.client(token: token)
        var ids: [String] = []
        for _ in 0..<3 { ids.append(try await client.runs.startJobPack(Self.jobPack).id) }
        await redis.kill()
        ids.append(try await client.runs.startJobPack(Self.jobPack).id)  // enqueue fails: committed anyway
        try await redis.startServer()  // empty: the stream and its entries are gone
        let worker = try setup.worker()
        for id in ids { _ = try await Self.waitFor(client, id, status: "succeeded") }
        #expect(try await client.wallet.wallet().silver == 6)
        let audit = try await setup.audit()
        #expect(audit.status == 0, "\(audit.stdout)\(audit.stderr)")
        await worker.stop()
        await client.close()
        await setup.close()
    }

    @Test(
        "SIGTERM lets a worker finish the run in flight before it exits 0",
        .enabled(if: TestServices.redis, "needs Redis (scripts/test.sh starts one)"))
    func gracefulStop() async throws {
        guard let redisURL = TestRedis.sharedURL(),
            let setup = try await Self.setUp(.sqlite, redisURL: redisURL, extra: ["CAREERAI_MOCK_DELAY_MS": "800"])
        else { return }
        let token = try await setup.signIn("g@demo.edu")
        let client = try setup.client(token: token)
        let worker = try setup.worker(["--concurrency", "2"])
        let run = try await client.runs.startJobPack(Self.jobPack)
        _ = try await Self.waitFor(client, run.id, status: "running")
        // The run renders its PDF (WeasyPrint, a Python process): on a loaded 2-core machine that alone
        // took over 30 s, so the bound is a hang guard.
        let status = await worker.stop(timeoutSeconds: 180)
        #expect(status == 0, "the worker's log:\n\(worker.log)")
        #expect(try await client.runs.get(id: run.id).status == "succeeded", "finished before the exit")
        let noRedis = try await Executables.run("careerai-server", ["worker"], environment: ["CAREERAI_REDIS_URL": ""])
        #expect(noRedis.status == 1 && noRedis.stderr.contains("worker needs CAREERAI_REDIS_URL"))
        await client.close()
        await setup.close()
    }
}
