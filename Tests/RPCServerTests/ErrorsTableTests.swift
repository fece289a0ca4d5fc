import Contract
import NIOCore
import RPCCore
import TestSupport
import Testing
import Wire

@testable import RPCServer

/// Every row of docs/PROTOCOL.md's "Errors and limits" table, plus CANCEL, PING and deadlines.
@Suite("Errors and limits")
struct ErrorsTableTests {
    let probe = Probe()
    var router: RPCRouter { makeTestRouter(probe: probe) }

    private func connected(_ limits: RPCServerLimits = RPCServerLimits()) async throws -> ServerHarness {
        let harness = try await ServerHarness(limits: limits, router: router)
        try await harness.handshake()
        return harness
    }

    private func expectGoaway(_ harness: ServerHarness, code: StatusCode) async throws {
        let goaway = try await harness.nextFrame()
        #expect(goaway.type == .goaway)
        #expect(goaway.callID == 0)
        #expect(goaway.statusCode == code)
        #expect(goaway.metadata["last-call-id"] != nil)
        #expect(await harness.waitUntilClosed())
    }

    @Test("length prefix 0: GOAWAY 3, closed")
    func zeroLength() async throws {
        let harness = try await connected()
        try await harness.send([0, 0, 0, 0])
        try await expectGoaway(harness, code: .invalidArgument)
    }

    @Test("length prefix over max_frame_bytes: GOAWAY 8, closed, before the body arrives")
    func oversizedLength() async throws {
        var limits = RPCServerLimits()
        limits.maxFrameBytes = 1024
        let harness = try await connected(limits)
        try await harness.send([0, 0, 0x04, 0x01])  // 1025
        try await expectGoaway(harness, code: .resourceExhausted)
    }

    @Test("bytes that are not a Frame: GOAWAY 3, closed")
    func garbageFrame() async throws {
        let harness = try await connected()
        try await harness.send([0, 0, 0, 3, 0xFF, 0xFF, 0xFF])
        try await expectGoaway(harness, code: .invalidArgument)
    }

    @Test("REQUEST with call_id 0: GOAWAY 3, closed")
    func callIDZero() async throws {
        let harness = try await connected()
        try await harness.send(try .request(0, Methods.HealthService.check.path))
        try await expectGoaway(harness, code: .invalidArgument)
    }

    @Test("REQUEST reusing a call_id in flight: GOAWAY 3, closed, and the first call's handler is cancelled")
    func callIDInFlight() async throws {
        let harness = try await connected()
        try await harness.send(try .request(5, TestService.hang.path))
        #expect(await harness.eventually { probe.startedCount == 1 })
        try await harness.send(try .request(5, TestService.hang.path))
        let goaway = try await harness.nextFrame()
        #expect(goaway.type == .goaway && goaway.statusCode == .invalidArgument)
        #expect(goaway.metadata["last-call-id"] == "5")
        #expect(await harness.waitUntilClosed())
        #expect(await harness.eventually { probe.cancelledCount == 1 })
    }

    @Test("REQUEST whose call_id is not above every earlier one (the earlier call answered): GOAWAY 3, closed")
    func callIDNotIncreasing() async throws {
        let harness = try await connected()
        try await harness.send(try .request(9, TestService.echo.path))
        let answer = try await harness.nextFrame()
        #expect(answer.type == .response && answer.callID == 9 && answer.statusCode == .ok)
        try await harness.send(try .request(4, TestService.echo.path))
        let goaway = try await harness.nextFrame()
        #expect(goaway.type == .goaway && goaway.statusCode == .invalidArgument)
        #expect(goaway.metadata["last-call-id"] == "9")
        #expect(await harness.waitUntilClosed())
    }

    @Test("a client may not send server frames: GOAWAY 3")
    func serverFrameFromClient() async throws {
        let harness = try await connected()
        try await harness.send(Frame(callID: 1, type: .response))
        try await expectGoaway(harness, code: .invalidArgument)
    }

    @Test("unknown method: RESPONSE 12, connection stays open")
    func unknownMethod() async throws {
        let harness = try await connected()
        try await harness.send(try .request(1, "/careerai.v1.Nope/Nothing"))
        let response = try await harness.nextFrame()
        #expect(response.callID == 1 && response.type == .response && response.statusCode == .unimplemented)
        #expect(response.status?.errorInfo?.reason == "UNKNOWN_METHOD")
        try await expectStillServing(harness, nextCallID: 2)
    }

    @Test("payload that does not decode as the request: RESPONSE 3, open")
    func badPayload() async throws {
        let harness = try await connected()
        try await harness.send(
            Frame(callID: 1, type: .request, method: Methods.HealthService.check.path, payload: [0x0A, 0x09, 0x01]))
        let response = try await harness.nextFrame()
        #expect(response.statusCode == .invalidArgument)
        #expect(response.status?.errorInfo?.reason == "MALFORMED_REQUEST")
        try await expectStillServing(harness, nextCallID: 2)
    }

    @Test("a field out of bounds: RESPONSE 3 naming the field, open")
    func fieldOutOfBounds() async throws {
        let harness = try await connected()
        try await harness.send(
            try .request(
                1, Methods.HealthService.check.path, HealthCheckRequest(service: String(repeating: "x", count: 300))))
        let response = try await harness.nextFrame()
        #expect(response.statusCode == .invalidArgument)
        #expect(response.status?.errorInfo?.metadata["field"] == "service")
        try await expectStillServing(harness, nextCallID: 2)
    }

    @Test("more than max_concurrent_calls in flight: RESPONSE 8 for the excess, open")
    func tooManyCalls() async throws {
        var limits = RPCServerLimits()
        limits.maxConcurrentCalls = 2
        let harness = try await connected(limits)
        try await harness.send(try .request(1, TestService.hang.path))
        try await harness.send(try .request(2, TestService.hang.path))
        try await harness.send(try .request(3, TestService.hang.path))
        let response = try await harness.nextFrame()
        #expect(response.callID == 3 && response.statusCode == .resourceExhausted)
        #expect(response.status?.errorInfo?.reason == "TOO_MANY_CONCURRENT_CALLS")
        #expect(!harness.isClosed)
        // Once one finishes, there is room again.
        try await harness.send(Frame(callID: 1, type: .cancel))
        let cancelled = try await harness.nextFrame()
        #expect(cancelled.callID == 1 && cancelled.statusCode == .cancelled)
        try await harness.send(try .request(4, TestService.echo.path, HealthCheckRequest(service: "ok")))
        #expect(try await harness.nextFrame().callID == 4)
    }

    @Test("metadata over 8 KiB: RESPONSE 3, open")
    func bigMetadata() async throws {
        let harness = try await connected()
        try await harness.send(
            try .request(
                1, Methods.HealthService.check.path, metadata: ["x-big": String(repeating: "m", count: 8 * 1024)]))
        let response = try await harness.nextFrame()
        #expect(response.statusCode == .invalidArgument)
        #expect(response.status?.errorInfo?.reason == "METADATA_TOO_LARGE")
        try await expectStillServing(harness, nextCallID: 2)
    }

    @Test("no frame and no ping for idle_timeout: GOAWAY 0, closed; a ping keeps it open")
    func idleTimeout() async throws {
        var limits = RPCServerLimits()
        limits.idleTimeout = .seconds(1)
        let harness = try await connected(limits)
        await harness.channel.testingEventLoop.advanceTime(by: .milliseconds(800))
        try await harness.send(Frame(callID: 0, type: .ping, payload: [1, 2, 3]))
        let pong = try await harness.nextFrame()
        #expect(pong.type == .pong && pong.payload == [1, 2, 3])
        await harness.channel.testingEventLoop.advanceTime(by: .milliseconds(800))
        #expect(!harness.isClosed)
        await harness.channel.testingEventLoop.advanceTime(by: .milliseconds(300))
        try await expectGoaway(harness, code: .ok)
    }

    @Test("a call in flight is not idle")
    func callInFlightIsNotIdle() async throws {
        var limits = RPCServerLimits()
        limits.idleTimeout = .seconds(1)
        let harness = try await connected(limits)
        try await harness.send(try .request(1, TestService.hang.path, timeoutMs: 100_000))
        #expect(await harness.eventually { probe.startedCount == 1 })
        await harness.channel.testingEventLoop.advanceTime(by: .milliseconds(5_000))
        #expect(!harness.isClosed)
    }

    @Test("PING over 8 bytes: GOAWAY 3")
    func bigPing() async throws {
        let harness = try await connected()
        try await harness.send(Frame(callID: 0, type: .ping, payload: Array(repeating: 1, count: 9)))
        try await expectGoaway(harness, code: .invalidArgument)
    }

    @Test("deadline passes: RESPONSE 4 and the handler is cancelled")
    func deadline() async throws {
        let harness = try await connected()
        try await harness.send(try .request(1, TestService.hang.path, timeoutMs: 250))
        #expect(await harness.eventually { probe.startedCount == 1 })
        await harness.channel.testingEventLoop.advanceTime(by: .milliseconds(250))
        let response = try await harness.nextFrame()
        #expect(response.callID == 1 && response.statusCode == .deadlineExceeded)
        #expect(await harness.eventually { probe.cancelledCount == 1 })
    }

    @Test("CANCEL stops the handler and answers CANCELLED once")
    func cancel() async throws {
        let harness = try await connected()
        try await harness.send(try .request(7, TestService.hang.path))
        #expect(await harness.eventually { probe.startedCount == 1 })
        try await harness.send(Frame(callID: 7, type: .cancel))
        let response = try await harness.nextFrame()
        #expect(response.callID == 7 && response.statusCode == .cancelled)
        #expect(await harness.eventually { probe.cancelledCount == 1 })
        #expect(try await harness.nothingMoreWritten())
        // Cancelling an unknown call is harmless.
        try await harness.send(Frame(callID: 99, type: .cancel))
        try await expectStillServing(harness, nextCallID: 8)
    }

    @Test("the request id is echoed, or one is made up")
    func requestID() async throws {
        let harness = try await connected()
        try await harness.send(try .request(1, TestService.echo.path, metadata: ["x-request-id": "abc-123"]))
        let echoed = try await harness.nextFrame()
        #expect(echoed.metadata["x-request-id"] == "abc-123")
        try await harness.send(try .request(2, TestService.echo.path))
        let generated = try await harness.nextFrame()
        #expect(generated.metadata["x-request-id"]?.isEmpty == false)
    }

    @Test("GOAWAY on drain: calls in flight finish, new ones are refused, then the connection closes")
    func goawayDrain() async throws {
        let harness = try await connected()
        try await harness.send(try .request(3, TestService.hang.path))
        #expect(await harness.eventually { probe.startedCount == 1 })
        try await harness.channel.testingEventLoop.executeInContext { [channel = harness.channel] in
            try channel.pipeline.syncOperations.handler(type: RPCConnectionHandler.self).beginGoaway()
        }
        let goaway = try await harness.nextFrame()
        #expect(goaway.type == .goaway && goaway.statusCode == .ok && goaway.metadata["last-call-id"] == "3")
        try await harness.send(try .request(4, TestService.echo.path))
        let refused = try await harness.nextFrame()
        #expect(refused.callID == 4 && refused.statusCode == .unavailable)
        #expect(!harness.isClosed)
        try await harness.send(Frame(callID: 3, type: .cancel))
        #expect(try await harness.nextFrame().callID == 3)
        #expect(await harness.waitUntilClosed())
    }

    private func expectStillServing(_ harness: ServerHarness, nextCallID: UInt32) async throws {
        try await harness.send(try .request(nextCallID, Methods.HealthService.check.path))
        let response = try await harness.nextFrame()
        #expect(response.callID == nextCallID)
        #expect(response.statusCode == .ok)
        let health = try HealthCheckResponse(wireBytes: response.payload)
        #expect(health.status == "SERVING")
        #expect(!harness.isClosed)
    }
}
