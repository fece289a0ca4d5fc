import Client
import Contract
import Foundation
import NIOCore
import RPCCore
import Storage
import TestSupport
import Testing
import Wire

/// careerai-server and careerai as real processes, the way a user runs them.
@Suite("Executables", .serialized)
struct ProcessTests {
    @Test("careerai health against a running server, as text and as JSON")
    func cliHealth() async throws {
        let server = try await ServerProcess.start()
        let text = try await Executables.run("careerai", ["health", "--server", server.target])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.hasPrefix("SERVING  version "))
        let json = try await Executables.run("careerai", ["health", "--server", server.target, "--json"])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["status"] as? String == "SERVING")
        #expect(object?["version"] as? String == "0.1.0")
        #expect(await server.stop() == 0)
        // One structured line per call: method, code, duration, request id.
        let callLines = server.log.split(separator: "\n").filter { $0.contains("msg=rpc ") }
        #expect(callLines.count == 2)
        #expect(
            callLines.allSatisfy {
                $0.contains("method=/careerai.v1.HealthService/Check") && $0.contains("code=OK")
                    && $0.contains("duration_ms=") && $0.contains("request_id=")
            })
    }

    @Test("careerai without a server: exit 1 and one line a person understands")
    func cliNoServer() async throws {
        let result = try await Executables.run("careerai", ["health", "--server", "127.0.0.1:1"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(
            result.stderr == "careerai: cannot reach 127.0.0.1:1 (connection refused) — is careerai-server running?\n")
    }

    @Test(
        "a bad configuration value stops the server with one line naming it",
        arguments: [
            ("CAREERAI_RPC_ADDR", "nonsense", "CAREERAI_RPC_ADDR"),
            ("CAREERAI_DATABASE_URL", "mysql://x", "CAREERAI_DATABASE_URL"),
            ("CAREERAI_REDIS_URL", "http://x", "CAREERAI_REDIS_URL"),
            ("CAREERAI_RPC_MAX_FRAME_BYTES", "12", "CAREERAI_RPC_MAX_FRAME_BYTES"),
            ("CAREERAI_ENV", "staging", "CAREERAI_ENV"),
            ("CAREERAI_LOG_LEVEL", "loud", "CAREERAI_LOG_LEVEL"),
            ("MOCK", "maybe", "MOCK"),
            ("CAREERAI_SECRET", "too-short", "CAREERAI_SECRET"),
            ("CAREERAI_SMTP_URL", "http://mail.example", "CAREERAI_SMTP_URL"),
            ("CAREERAI_OTP_TTL_S", "5", "CAREERAI_OTP_TTL_S"),
            ("CAREERAI_SESSION_TTL_S", "-1", "CAREERAI_SESSION_TTL_S"),
            ("CAREERAI_TRUSTED_PROXIES", "10.0.0.1,not-an-ip", "CAREERAI_TRUSTED_PROXIES"),
            ("GOOGLE_CLIENT_ID", "id-without-secret", "GOOGLE_CLIENT_SECRET"),
            ("CAREERAI_METRICS_ADDR", "9464", "CAREERAI_METRICS_ADDR"),
            ("CAREERAI_METRICS_SAMPLE_MS", "5", "CAREERAI_METRICS_SAMPLE_MS"),
        ])
    func badConfiguration(variable: String, value: String, named: String) async throws {
        var environment = ["CAREERAI_RPC_ADDR": "127.0.0.1:0"]
        environment[variable] = value
        let result = try await Executables.run("careerai-server", ["serve"], environment: environment)
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(lines.first?.hasPrefix("careerai-server: configuration: \(named):") == true, "\(result.stderr)")
    }

    @Test("an unreachable database stops the server with one clear line")
    func unreachableDatabase() async throws {
        let closedPort = try ClosedPort()
        let result = try await Executables.run(
            "careerai-server", ["serve"],
            environment: [
                "CAREERAI_RPC_ADDR": "127.0.0.1:0",
                "CAREERAI_DATABASE_URL": "postgres://careerai@127.0.0.1:\(closedPort.port)/careerai",
            ])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(lines.first?.hasPrefix("careerai-server: database: database unavailable: ") == true, "\(result.stderr)")
        #expect(result.stderr.contains("Connection refused"))
        withExtendedLifetime(closedPort) {}
    }

    @Test("two `careerai-server migrate` processes at once apply the schema exactly once", arguments: Engine.testable)
    func concurrentMigrateProcesses(_ engine: Engine) async throws {
        guard let test = try await TestDatabase.make(engine) else { return }
        let environment = ["CAREERAI_DATABASE_URL": test.url]
        async let first = Executables.run("careerai-server", ["migrate"], environment: environment)
        async let second = Executables.run("careerai-server", ["migrate"], environment: environment)
        let results = try await [first, second]
        #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.stderr))")
        let outputs = results.map(\.stdout).sorted()
        // Each version is applied by exactly one of the two (they may share the work), and both end on the latest.
        let versions = Schema.migrations.map(\.version)
        var applied: [Int64] = []
        for output in outputs {
            if output.hasPrefix("applied ") {
                let list = output.dropFirst("applied ".count).prefix { $0 != ";" }
                applied += list.split(separator: ",").compactMap {
                    Int64($0.trimmingCharacters(in: .whitespaces).dropFirst())
                }
                #expect(output.hasSuffix("; schema version \(versions.last!)\n"), "\(output)")
            } else {
                #expect(output == "schema is up to date (version \(versions.last!))\n", "\(output)")
            }
        }
        #expect(applied.sorted() == versions, "\(outputs)")
        #expect(try await Migrator(database: test.database).appliedVersions() == Schema.migrations.map(\.version))
        await test.close()
    }

    @Test(
        "a bad feature-cost file stops the server with one line saying what is wrong",
        arguments: [
            (#"{"job_pack": {"free": {"currency": "silver", "amount": 1}}}"#, "no price for the pro plan"),
            (#"{"resume_roaster": {}}"#, "unknown feature 'resume_roaster'"),
            (
                #"{"job_pack": {"free": {"currency": "bronze", "amount": 1}, "pro": {"currency": "gold", "amount": 1}}}"#,
                "unknown currency 'bronze'"
            ),
            (
                #"{"job_pack": {"free": {"currency": "silver", "amount": -1}, "pro": {"currency": "gold", "amount": 1}}}"#,
                "amount -1 is outside"
            ),
            (
                #"{"job_pack": {"free": {"currency": "silver", "amount": 1.5}, "pro": {"currency": "gold", "amount": 1}}}"#,
                "amounts are whole numbers"
            ),
            ("not json", "not valid JSON"),
        ])
    func badFeatureCosts(json: String, message: String) async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("costs-\(UUID().uuidString).json")
        try json.write(to: file, atomically: true, encoding: .utf8)
        let result = try await Executables.run(
            "careerai-server", ["serve"],
            environment: [
                "CAREERAI_RPC_ADDR": "127.0.0.1:0", "CAREERAI_FEATURE_COSTS": file.path,
            ])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(
            lines.count == 1 && lines[0].hasPrefix("careerai-server: configuration: CAREERAI_FEATURE_COSTS: "),
            "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        try? FileManager.default.removeItem(at: file)
    }

    @Test("a feature-cost path to something huge is refused without reading it all")
    func hugeFeatureCosts() async throws {
        let result = try await Executables.run(
            "careerai-server", ["serve"],
            environment: [
                "CAREERAI_RPC_ADDR": "127.0.0.1:0", "CAREERAI_FEATURE_COSTS": "/dev/zero",
            ])
        #expect(result.status == 1)
        #expect(
            result.stderr
                == "careerai-server: configuration: CAREERAI_FEATURE_COSTS: '/dev/zero' is larger than 65536 bytes\n",
            "\(result.stderr)")
    }

    @Test("production refuses the development defaults: MOCK, a generated secret, the console mailer")
    func productionRefusesInsecureDefaults() async throws {
        let production = [
            "CAREERAI_ENV": "production", "CAREERAI_RPC_ADDR": "127.0.0.1:0", "MOCK": "0", "OPENAI_API_KEY": "sk-test",
            "CAREERAI_SECRET": String(repeating: "ab", count: 32), "CAREERAI_SMTP_URL": "smtp://127.0.0.1:2525",
            "CAREERAI_MAIL_FROM": "no-reply@careerai.example",
        ]
        let refusals: [(String, String?, String)] = [
            ("MOCK", "1", "MOCK"), ("CAREERAI_SECRET", nil, "CAREERAI_SECRET"),
            ("CAREERAI_SMTP_URL", nil, "CAREERAI_SMTP_URL"),
        ]
        for (variable, value, named) in refusals {
            var environment = production
            environment[variable] = value ?? ""  // empty means unset
            let result = try await Executables.run("careerai-server", ["serve"], environment: environment)
            #expect(result.status == 1)
            #expect(result.stderr.hasPrefix("careerai-server: configuration: \(named): "), "\(result.stderr)")
        }
    }

    @Test("careerai whose standard output has no reader is not killed by SIGPIPE")
    func closedStandardOutput() async throws {
        let server = try await ServerProcess.start()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Executables.path("careerai"))
        process.arguments = ["health", "--server", server.target]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try output.fileHandleForReading.close()  // nobody will ever read what it prints
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        #expect(
            process.terminationReason == .exit,
            "ended by signal \(process.terminationStatus) (\(process.terminationReason == .uncaughtSignal ? "signal" : "exit"))"
        )
        await server.stop()
    }

    @Test("a taken port is one clear line")
    func portInUse() async throws {
        let server = try await ServerProcess.start()
        let result = try await Executables.run(
            "careerai-server", ["serve"], environment: ["CAREERAI_RPC_ADDR": server.target])
        #expect(result.status == 1)
        // Log lines may come first (migrations ran); the failure is the one last line, with no trace.
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.last == "careerai-server: cannot listen on \(server.target) (address already in use)")
        #expect(lines.dropLast().allSatisfy { $0.hasPrefix("ts=") })
        await server.stop()
    }

    @Test("SIGTERM drains: Watch hears NOT_SERVING and ends cleanly, then the server exits 0 at once")
    func sigtermDrain() async throws {
        let server = try await ServerProcess.start()
        let client = CareerAIClient(configuration: try ClientConfiguration(target: server.target))
        let stream = try await client.health.watch()
        var iterator = stream.makeAsyncIterator()
        #expect(try await iterator.next()?.status == "SERVING")
        kill(server.process.processIdentifier, SIGTERM)
        #expect(try await iterator.next()?.status == "NOT_SERVING")
        #expect(try await iterator.next() == nil, "the stream should end with OK")
        let stopping = ContinuousClock.now
        let status = await server.stop(timeoutSeconds: 30)
        #expect(status == 0)
        #expect(ContinuousClock.now - stopping < .seconds(5), "the drain waited for its timeout")
        #expect(server.log.contains("msg=drained"))
        await client.close()
    }

    @Test("10,000 random byte sequences on fresh connections: the server stays up and answers")
    func randomBytes() async throws {
        let server = try await ServerProcess.start(environment: ["CAREERAI_LOG_LEVEL": "warning"])
        let port = server.port
        var random = WireRandom(seed: 20_261_125)
        let valid = try Frame(
            callID: 1, type: .request, method: "/careerai.v1.HealthService/Check",
            metadata: ["x-request-id": "fuzz"], payload: HealthCheckRequest().wireEncoded()
        ).wireEncoded()
        var sent = 0
        for index in 0..<10_000 {
            var bytes: [UInt8] = []
            switch index % 4 {
            case 0:  // anything at all
                bytes = randomBytes(&random, upTo: 256)
            case 1:  // a valid preface, then anything
                bytes = Array(Preface.current.bytes.readableBytesView) + randomBytes(&random, upTo: 256)
            case 2:  // a valid preface and a plausible length, then anything
                let body = randomBytes(&random, upTo: 256)
                bytes =
                    Array(Preface.current.bytes.readableBytesView)
                    + withUnsafeBytes(of: UInt32(body.count).bigEndian, Array.init) + body
            default:  // a valid frame with a few bytes flipped
                var frame = valid
                for _ in 0..<(1 + Int(random.next() % 3)) {
                    frame[Int(random.next() % UInt64(frame.count))] ^= UInt8(truncatingIfNeeded: random.next() | 1)
                }
                bytes =
                    Array(Preface.current.bytes.readableBytesView)
                    + withUnsafeBytes(of: UInt32(frame.count).bigEndian, Array.init) + frame
            }
            let socket = try RawSocket(port: port)
            socket.send(bytes)
            socket.close()
            sent += 1
            // The loop is synchronous socket work: let the other tests' tasks have this thread too.
            if index % 20 == 19 { await Task.yield() }
            if index % 1_000 == 999 { #expect(server.isRunning, "the server died after \(index + 1) sequences") }
        }
        #expect(sent == 10_000)
        #expect(server.isRunning)
        // This host just opened 10,000 connections: until the server has seen them close, it may
        // still hold the per-address limit's 64 and refuse one more, as it should. It answers once
        // they are gone.
        let client = CareerAIClient(configuration: try ClientConfiguration(target: server.target))
        var status: String?
        let deadline = ContinuousClock.now + .seconds(20)
        while status == nil && ContinuousClock.now < deadline {
            status = try? await client.health.check().status
            if status == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(status == "SERVING")
        await client.close()
        let stopped = await server.stop()
        #expect(
            stopped == 0,
            "exit \(stopped.map(String.init) ?? "none within 30 s"); the server's log ends:\n\(server.log.suffix(3_000))"
        )
    }

    private func randomBytes(_ random: inout WireRandom, upTo limit: Int) -> [UInt8] {
        (0..<Int(random.next() % UInt64(limit + 1))).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    }
}
