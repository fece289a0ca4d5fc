import Client
import Contract
import Foundation
import NIOCore
import RPCCore
import TestSupport
import Testing
import Wire

/// CAREERAI_METRICS_ADDR on `serve` and `worker`: Prometheus text scraped over real HTTP from real
/// processes, after real calls, runs and refunds.
@Suite("Prometheus metrics from the server and worker processes")
struct MetricsTests {
    /// `body`'s error with the worker's log beside it: a run stuck in the queue says why.
    static func withLog(of worker: WorkerProcess, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            Issue.record("the worker (running: \(worker.process.isRunning)) logged:\n\(worker.log.suffix(4000))")
            throw error
        }
    }

    /// A worker serving metrics on a port the kernel chose (`:0`), read back from its log. A port a
    /// test picks free and hands to a child can be taken by another test's socket before the child
    /// binds it; port 0 cannot be.
    static func workerServingMetrics(_ environment: [String: String]) async throws -> (WorkerProcess, Int) {
        let worker = try WorkerProcess(
            environment: environment.merging(
                ["CAREERAI_METRICS_ADDR": "127.0.0.1:0", "CAREERAI_METRICS_SAMPLE_MS": "200"]) { $1 })
        try await worker.waitForLog("serving metrics", timeoutSeconds: 60)
        return (worker, try metricsPort(inLog: worker.log))
    }

    /// The port of the "serving metrics" line of a process's log.
    static func metricsPort(inLog log: String) throws -> Int {
        guard let line = log.split(separator: "\n").first(where: { $0.contains("serving metrics") }),
            let match = line.firstMatch(of: /127\.0\.0\.1:(\d+)/), let port = Int(match.1)
        else {
            throw CocoaError(
                .fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "no metrics address in the log:\n\(log)"])
        }
        return port
    }

    @Test(
        "calls by method and code with latency, connections, runs by status, queue depth, refunds, model tokens",
        .enabled(if: TestServices.redis, "needs Redis (scripts/test.sh starts one)"))
    func serveAndWorker() async throws {
        guard let redisURL = TestRedis.sharedURL() else { return }
        guard
            let setup = try await WorkerProcessTests.setUp(
                .sqlite, redisURL: redisURL,
                extra: ["CAREERAI_METRICS_ADDR": "127.0.0.1:0", "CAREERAI_METRICS_SAMPLE_MS": "200"])
        else { return }
        guard await setup.server.logContains("serving metrics", timeoutSeconds: 30) else {
            Issue.record("the server never said it serves metrics:\n\(setup.server.log)")
            return
        }
        let serverPort = try Self.metricsPort(inLog: setup.server.log)
        let token = try await setup.signIn("m@demo.edu")
        let client = try setup.client(token: token)

        // A run before any worker: the queue holds it, and its age grows.
        let first = try await client.runs.startJobPack(WorkerProcessTests.jobPack)
        var server = try await Self.scrape(port: serverPort) { $0.value("careerai_queue_depth") == 1 }
        #expect(server.value("careerai_runs", ["status": "queued"]) == 1)
        #expect(
            server.value(
                "careerai_rpc_calls_total", ["method": "/careerai.v1.RunService/StartJobPack", "code": "OK"]) == 1)
        #expect(
            server.value("careerai_rpc_call_duration_seconds_count", ["method": "/careerai.v1.RunService/StartJobPack"])
                == 1)
        #expect((server.value("careerai_rpc_connections") ?? 0) >= 1, "this client's connection is open")

        // A worker that succeeds: it counts the finished run and the model's tokens.
        let (worker, workerPort) = try await Self.workerServingMetrics(setup.environment)
        try await Self.withLog(of: worker) {
            _ = try await WorkerProcessTests.waitFor(client, first.id, status: "succeeded")
        }
        let scrapedWorker = try await Self.scrape(port: workerPort) {
            $0.value("careerai_runs_finished_total", ["kind": "job_pack", "status": "succeeded"]) == 1
        }
        #expect(scrapedWorker.sum("careerai_model_tokens_total") > 0, "the MOCK model reports its usage")
        #expect(
            (scrapedWorker.value("careerai_model_answers_total") ?? scrapedWorker.sum("careerai_model_answers_total"))
                >= 1)
        await worker.stop()

        // A worker whose every attempt fails: the run ends failed and refunded, once.
        let (failing, failingPort) = try await Self.workerServingMetrics(
            setup.environment.merging(["CAREERAI_MOCK_MODE": "fail"]) { $1 })
        let doomed = try await client.runs.startJobPack(WorkerProcessTests.jobPack)
        try await Self.withLog(of: failing) {
            _ = try await WorkerProcessTests.waitFor(client, doomed.id, status: "failed")
        }
        let scrapedFailing = try await Self.scrape(port: failingPort) {
            $0.value("careerai_refunds_total", ["feature": "job_pack"]) == 1
        }
        #expect(scrapedFailing.value("careerai_runs_finished_total", ["kind": "job_pack", "status": "failed"]) == 1)
        #expect(scrapedFailing.value("careerai_refunded_credits_total", ["currency": "silver"]) ?? 0 > 0)
        await failing.stop()

        // Made-up method paths share one label: a peer cannot create series.
        let socket = try RawSocket(port: setup.server.port)
        socket.send(Array(Preface.current.bytes.readableBytesView))
        var frames = ByteBuffer()
        for index in 0..<20 {
            try FrameEncoder.write(
                Frame(callID: UInt32(index + 1), type: .request, method: "/x.Y/Z\(index)", payload: []), to: &frames)
        }
        socket.send(Array(frames.readableBytesView))
        server = try await Self.scrape(port: serverPort) {
            $0.value("careerai_rpc_calls_total", ["method": "unknown", "code": "UNIMPLEMENTED"]) == 20
                && $0.value("careerai_runs", ["status": "failed"]) == 1
        }
        #expect(!server.text.contains("/x.Y/Z"))
        #expect(server.value("careerai_runs", ["status": "succeeded"]) == 1)
        #expect(server.value("careerai_queue_depth") == 0)
        socket.close()

        // Only GET /metrics: another path is 404, another method 405.
        #expect(try Self.get(port: serverPort, path: "/other").hasPrefix("HTTP/1.1 404"))
        #expect(try Self.get(port: serverPort, path: "/metrics", method: "POST").hasPrefix("HTTP/1.1 405"))
        // A body announced and never sent holds nothing: the answer goes at the head.
        #expect(try Self.get(port: serverPort, path: "/metrics", contentLength: 1_000_000).hasPrefix("HTTP/1.1 200"))
        await client.close()
        await setup.close()
    }

    // MARK: scraping

    struct Scrape {
        let text: String
        /// name → [(labels, value)]
        let samples: [String: [([String: String], Double)]]

        init(_ text: String) {
            self.text = text
            var samples: [String: [([String: String], Double)]] = [:]
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...])
                else { continue }
                let series = line[..<space]
                var labels: [String: String] = [:]
                let name: String
                if let brace = series.firstIndex(of: "{") {
                    name = String(series[..<brace])
                    let body = series[series.index(after: brace)..<(series.lastIndex(of: "}") ?? series.endIndex)]
                    for pair in body.split(separator: ",") {
                        let parts = pair.split(separator: "=", maxSplits: 1)
                        guard parts.count == 2 else { continue }
                        labels[String(parts[0])] = String(parts[1]).trimmingCharacters(
                            in: CharacterSet(charactersIn: "\""))
                    }
                } else {
                    name = String(series)
                }
                samples[name, default: []].append((labels, value))
            }
            self.samples = samples
        }

        /// The value of the one series of `name` whose labels include `labels`.
        func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
            let matching = (samples[name] ?? []).filter { sample in labels.allSatisfy { sample.0[$0.key] == $0.value } }
            return matching.count == 1 ? matching[0].1 : nil
        }

        func sum(_ name: String) -> Double { (samples[name] ?? []).reduce(0) { $0 + $1.1 } }
    }

    /// Scrapes until `condition` holds (the gauges are sampled in the background), at most 30 s.
    static func scrape(port: Int, until condition: (Scrape) -> Bool) async throws -> Scrape {
        var last = Scrape("")
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let response = (try? get(port: port, path: "/metrics")) ?? ""
            if response.hasPrefix("HTTP/1.1 200"), let split = response.range(of: "\r\n\r\n") {
                last = Scrape(String(response[split.upperBound...]))
                if condition(last) { return last }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the metrics never showed what was expected:\n\(last.text)")
        return last
    }

    /// One HTTP/1.1 request; the whole response (the endpoint closes after each).
    static func get(port: Int, path: String, method: String = "GET", contentLength: Int = 0) throws -> String {
        let socket = try RawSocket(port: port)
        defer { socket.close() }
        socket.send(
            Array("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(contentLength)\r\n\r\n".utf8))
        var response: [UInt8] = []
        while response.count < 4 << 20, let chunk = socket.readAvailable(timeoutMs: 5_000), !chunk.isEmpty {
            response += chunk
        }
        return String(decoding: response, as: UTF8.self)
    }
}
