import Client
import Contract
import Foundation
import NIOCore
import RPCCore
import RPCServer
import TestSupport
import Testing
import Wire

@Suite("Client and server on loopback")
struct ClientServerTests {
    @Test("1,000 concurrent calls over one connection, each answered once with its own call id")
    func thousandConcurrentCalls() async throws {
        var limits = RPCServerLimits()
        limits.maxConcurrentCalls = 2_000
        let server = try await InProcessServer.start(limits: limits)
        let client = server.client()
        let answers = try await withThrowingTaskGroup(of: (Int, HealthCheckResponse).self) { group in
            for index in 0..<1_000 {
                group.addTask {
                    (index, try await client.unary(TestService.echo, HealthCheckRequest(service: "n\(index)")))
                }
            }
            var answers: [(Int, HealthCheckResponse)] = []
            for try await answer in group { answers.append(answer) }
            return answers
        }
        #expect(answers.count == 1_000)
        // Each caller got its own answer back...
        #expect(answers.allSatisfy { "n\($0.0)" == $0.1.status })
        // ...from a distinct call id, all on one connection.
        #expect(Set(answers.map(\.1.uptimeMs)).count == 1_000)
        #expect(server.server.openConnections == 1)
        await client.close()
        await server.server.drain()
    }

    @Test("1,000 pipelined REQUEST frames on a raw socket: every call id answered exactly once")
    func thousandPipelinedFrames() async throws {
        var limits = RPCServerLimits()
        limits.maxConcurrentCalls = 2_000
        let server = try await InProcessServer.start(limits: limits)
        let socket = try RawSocket(port: server.port)
        var bytes = ByteBuffer()
        Preface.current.write(to: &bytes)
        for callID in UInt32(1)...1_000 {
            try FrameEncoder.write(
                try Frame(
                    callID: callID, type: .request, method: TestService.echo.path,
                    payload: HealthCheckRequest(service: "\(callID)").wireEncoded()), to: &bytes)
        }
        socket.send(Array(bytes.readableBytesView))
        #expect(socket.read(count: 8) == Array(Preface.current.bytes.readableBytesView))
        var answered: [UInt32: Int] = [:]
        for _ in 0..<1_000 {
            guard let length = socket.read(count: 4),
                let body = socket.read(count: Int(length.reduce(0) { $0 << 8 | UInt32($1) }))
            else {
                Issue.record("the server stopped answering after \(answered.count) responses")
                break
            }
            let frame = try Frame(wireBytes: body)
            #expect(frame.type == .response && (frame.status?.code ?? 0) == 0)
            #expect(try HealthCheckResponse(wireBytes: frame.payload).status == "\(frame.callID)")
            answered[frame.callID, default: 0] += 1
        }
        #expect(answered.count == 1_000)
        #expect(answered.values.allSatisfy { $0 == 1 })
        socket.close()
        await server.server.drain()
    }

    @Test("a deadline exceeded ends the call with DEADLINE_EXCEEDED, long before the handler would finish")
    func deadlineExceeded() async throws {
        let server = try await InProcessServer.start()
        let client = server.client()
        let started = ContinuousClock.now
        await #expect(throws: RPCError.self) {
            _ = try await client.unary(TestService.sleep, HealthCheckRequest(service: "60000"), timeoutMs: 200)
        }
        do {
            _ = try await client.unary(TestService.sleep, HealthCheckRequest(service: "60000"), timeoutMs: 200)
        } catch {
            #expect(error.code == .deadlineExceeded)
        }
        // Two calls whose handlers would take a minute each. With the whole suite running in parallel
        // on two cores (server processes, a 30 s flood) a call can wait seconds for a thread, so the
        // bound is generous, and still far below what the handlers would take.
        #expect(ContinuousClock.now - started < .seconds(30))
        // The connection is still good for the next call.
        #expect(try await client.health.check().status == "SERVING")
        await client.close()
        await server.server.drain()
    }

    @Test("cancelling the calling task cancels the call on the server")
    func cancelledCall() async throws {
        let server = try await InProcessServer.start()
        let client = server.client()
        let call = Task {
            try await client.unary(TestService.hang, HealthCheckRequest(), timeoutMs: 60_000)
        }
        #expect(await eventually { server.probe.startedCount == 1 })
        call.cancel()
        let result = await call.result
        switch result {
        case .success: Issue.record("a cancelled call succeeded")
        case .failure(let error): #expect((error as? RPCError)?.code == .cancelled)
        }
        #expect(await eventually { server.probe.cancelledCount == 1 })
        #expect(try await client.health.check().status == "SERVING")
        await client.close()
        await server.server.drain()
    }

    @Test("a drain lets calls in flight finish, refuses new ones, and closes")
    func drainWithCallsInFlight() async throws {
        let server = try await InProcessServer.start()
        let client = server.client()
        #expect(try await client.health.check().status == "SERVING")
        let calls = (0..<3).map { _ in
            Task { try await client.unary(TestService.sleep, HealthCheckRequest(service: "400")) }
        }
        #expect(await eventually { server.probe.startedCount == 3 }, "the three calls are running on the server")
        let drainStarted = ContinuousClock.now
        await server.server.drain()
        #expect(
            ContinuousClock.now - drainStarted < .seconds(9),
            "returned when the calls finished, not at the 10 s drain timeout")
        for call in calls {
            #expect(try await call.value.status == "slept")
        }
        #expect(server.server.openConnections == 0)
        #expect(server.health.current == .notServing)
        do {
            _ = try await client.health.check()
            Issue.record("a call after the drain succeeded")
        } catch {
            #expect(error.code == .unavailable)
        }
        await client.close()
    }

    @Test("a drain closes calls that outlive the drain timeout")
    func drainTimeout() async throws {
        var limits = RPCServerLimits()
        limits.drainTimeout = .milliseconds(200)
        let server = try await InProcessServer.start(limits: limits)
        let client = server.client()
        let call = Task { try await client.unary(TestService.hang, HealthCheckRequest(), timeoutMs: 60_000) }
        #expect(await eventually { server.probe.startedCount == 1 })
        let started = ContinuousClock.now
        await server.server.drain()
        #expect(ContinuousClock.now - started < .seconds(10))
        let result = await call.result
        guard case .failure(let error) = result else {
            Issue.record("the call survived the drain")
            return
        }
        #expect((error as? RPCError)?.code == .unavailable)
        #expect(await eventually { server.probe.cancelledCount == 1 })
        await client.close()
    }

    @Test("the client reconnects after the server restarts")
    func reconnectAfterRestart() async throws {
        let first = try await InProcessServer.start()
        let client = first.client()
        #expect(try await client.health.check().status == "SERVING")
        await first.server.drain()
        do {
            _ = try await client.health.check()
            Issue.record("a call to a stopped server succeeded")
        } catch {
            #expect(error.code == .unavailable)
        }
        // The freed port may be taken for a moment as the local port of another test's connection: retry briefly.
        var restarted: InProcessServer?
        for _ in 0..<100 where restarted == nil {
            restarted = try? await InProcessServer.start(port: first.port)
            if restarted == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        let second = try #require(restarted, "port \(first.port) stayed taken")
        #expect(try await client.health.check().status == "SERVING")
        #expect(second.server.openConnections == 1)
        await client.close()
        await second.server.drain()
    }

    @Test("Watch streams the current status, then each change; cancelling the consumer ends the call")
    func watchHealth() async throws {
        let server = try await InProcessServer.start()
        let client = server.client()
        let stream = try await client.health.watch()
        var iterator = stream.makeAsyncIterator()
        #expect(try await iterator.next()?.status == "SERVING")
        server.health.set(.notServing)
        #expect(try await iterator.next()?.status == "NOT_SERVING")
        server.health.set(.serving)
        #expect(try await iterator.next()?.status == "SERVING")

        let consumer = Task {
            var count = 0
            for try await _ in try await client.health.watch() { count += 1 }
            return count
        }
        try await Task.sleep(for: .milliseconds(100))
        consumer.cancel()
        let ended = await consumer.result
        if case .success = ended { Issue.record("a cancelled Watch ended as if the server finished it") }
        #expect(try await client.health.check().status == "SERVING")
        await client.close()
        await server.server.drain()
    }

    @Test("a drain tells Watch streams NOT_SERVING, then ends them cleanly without waiting for the timeout")
    func watchDuringDrain() async throws {
        var limits = RPCServerLimits()
        limits.drainTimeout = .seconds(20)
        let server = try await InProcessServer.start(limits: limits)
        let client = server.client()
        let stream = try await client.health.watch()
        var iterator = stream.makeAsyncIterator()
        #expect(try await iterator.next()?.status == "SERVING")
        let started = ContinuousClock.now
        async let drained: Void = server.server.drain()
        #expect(try await iterator.next()?.status == "NOT_SERVING")
        #expect(try await iterator.next() == nil)
        await drained
        #expect(ContinuousClock.now - started < .seconds(10), "the drain should not wait for its 20 s timeout")
        await client.close()
    }

    @Test("PING is answered with PONG")
    func ping() async throws {
        let server = try await InProcessServer.start()
        let client = server.client()
        let roundTrip = try await client.ping()
        // A hang guard, not a speed test: a loaded CI machine took 5.2 s once.
        #expect(roundTrip > .zero && roundTrip < .seconds(60))
        await client.close()
        await server.server.drain()
    }

    @Test("errors carry code, message and ErrorInfo to the client")
    func errorInfo() async throws {
        let server = try await InProcessServer.start()
        let client = server.client()
        do {
            _ = try await client.unary(
                Methods.HealthService.check, HealthCheckRequest(service: String(repeating: "s", count: 300)))
            Issue.record("an out-of-bounds field was accepted")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.details["field"] == "service")
            #expect(!error.message.isEmpty)
        }
        do {
            _ = try await client.unary(
                MethodDescriptor<HealthCheckRequest, HealthCheckResponse>(
                    service: "careerai.v1.Nope", method: "Nothing", kind: .unary, access: .public), HealthCheckRequest()
            )
            Issue.record("an unknown method answered")
        } catch {
            #expect(error.code == .unimplemented)
            #expect(error.reason == "UNKNOWN_METHOD")
        }
        await client.close()
        await server.server.drain()
    }

    @Test("a client pointed at nothing says it cannot reach the server")
    func connectRefused() async throws {
        // A port we hold bound but not listening: connecting is refused, and no test running in
        // parallel can take it meanwhile (a freed port could be).
        let closedPort = try ClosedPort()
        let client = CareerAIClient(configuration: ClientConfiguration(host: "127.0.0.1", port: closedPort.port))
        do {
            _ = try await client.health.check()
            Issue.record("connected to a closed port")
        } catch {
            #expect(error.code == .unavailable)
            #expect(error.reason == "CONNECT_FAILED")
            #expect(error.message.contains("connection refused"))
        }
        withExtendedLifetime(closedPort) {}
    }

    @Test(
        "a client retires a connection after maxCallsPerConnection ids, before they could wrap, and closes it when its calls end"
    )
    func callIDsNeverWrap() async throws {
        let server = try await InProcessServer.start()
        let client = server.client { $0.maxCallsPerConnection = 5 }
        for round in 0..<3 {
            // Sequential and concurrent calls alike: every one answered, whichever connection carries it.
            for n in 0..<7 {
                let answer = try await client.unary(TestService.echo, HealthCheckRequest(service: "s\(round)\(n)"))
                #expect(answer.status == "s\(round)\(n)")
            }
            let answers = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for n in 0..<11 {
                    group.addTask {
                        (n, try await client.unary(TestService.echo, HealthCheckRequest(service: "c\(n)")).status)
                    }
                }
                return try await group.reduce(into: [(Int, String)]()) { $0.append($1) }
            }
            #expect(answers.count == 11 && answers.allSatisfy { "c\($0.0)" == $0.1 })
        }
        // 54 calls at 5 a connection: retired connections close once their calls end; one stays.
        #expect(
            await eventually { server.server.openConnections <= 1 },
            "retired connections were left open: \(server.server.openConnections)")
        await client.close()
    }
}
