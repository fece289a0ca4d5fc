import Contract
import NIOCore
import RPCCore
import TestSupport
import Testing
import Wire

@testable import RPCServer

@Suite("Server preface")
struct PrefaceTests {
    let router = makeTestRouter(probe: Probe())

    @Test("a valid preface is answered with the server's")
    func accepted() async throws {
        let harness = try await ServerHarness(router: router)
        try await harness.handshake()
        #expect(!harness.isClosed)
    }

    @Test("a preface and a frame in one packet are both handled")
    func prefaceWithFrame() async throws {
        let harness = try await ServerHarness(router: router)
        var bytes = ByteBuffer()
        Preface.current.write(to: &bytes)
        try FrameEncoder.write(try .request(1, Methods.HealthService.check.path), to: &bytes)
        try await harness.send(Array(bytes.readableBytesView))
        #expect(try await harness.readPreface() == .current)
        let response = try await harness.nextFrame()
        #expect(response.callID == 1 && response.type == .response && response.statusCode == .ok)
    }

    @Test("a preface split over several packets is assembled")
    func splitPreface() async throws {
        let harness = try await ServerHarness(router: router)
        for byte in Preface.current.bytes.readableBytesView { try await harness.send([byte]) }
        #expect(try await harness.readPreface() == .current)
    }

    @Test("an HTTP request is refused at once, with nothing written")
    func httpRefused() async throws {
        let harness = try await ServerHarness(router: router)
        try await harness.send(Array("GET / HTTP/1.1\r\n".utf8))
        #expect(await harness.waitUntilClosed())
        #expect(try await harness.nothingMoreWritten())
    }

    @Test("bytes that stop matching before eight arrive are refused without waiting")
    func earlyMismatch() async throws {
        let harness = try await ServerHarness(router: router)
        try await harness.send(Array("CRX".utf8))
        #expect(await harness.waitUntilClosed())
    }

    @Test("another version gets the server's preface, then the close")
    func otherVersion() async throws {
        let harness = try await ServerHarness(router: router)
        try await harness.sendPreface(version: 2)
        #expect(try await harness.readPreface() == .current)
        #expect(await harness.waitUntilClosed())
    }

    @Test("a connection that sends no preface is closed after the handshake timeout")
    func handshakeTimeout() async throws {
        var limits = RPCServerLimits()
        limits.handshakeTimeout = .seconds(1)
        let harness = try await ServerHarness(limits: limits, router: router)
        try await harness.send(Array("CR".utf8))
        await harness.channel.testingEventLoop.advanceTime(by: .milliseconds(999))
        #expect(!harness.isClosed)
        await harness.channel.testingEventLoop.advanceTime(by: .milliseconds(2))
        #expect(await harness.waitUntilClosed())
    }
}
