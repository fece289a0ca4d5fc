import Contract
import Logging
import NIOCore
import NIOEmbedded
import RPCCore
import TestSupport
import Testing
import Wire

@testable import RPCServer

/// One server connection's real pipeline on a NIOAsyncTestingChannel: bytes in, bytes out, virtual time.
final class ServerHarness {
    let channel: NIOAsyncTestingChannel
    private var received = ByteBuffer()
    private var sawPreface = false

    init(limits: RPCServerLimits = RPCServerLimits(), router: RPCRouter) async throws {
        channel = NIOAsyncTestingChannel()
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let events = ConnectionEvents(opened: { _, _ in }, closed: {})
        try await channel.testingEventLoop.executeInContext { [channel] in
            try RPCServer.addHandlers(
                to: channel.pipeline.syncOperations, router: router, limits: limits, logger: logger, events: events)
        }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).get()
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeInbound(ByteBuffer(bytes: bytes))
    }

    func sendPreface(version: UInt16 = Preface.currentVersion) async throws {
        var buffer = ByteBuffer()
        Preface(version: version, flags: 0).write(to: &buffer)
        try await channel.writeInbound(buffer)
    }

    func send(_ frame: Frame) async throws {
        var buffer = ByteBuffer()
        try FrameEncoder.write(frame, to: &buffer)
        try await channel.writeInbound(buffer)
    }

    /// Sends the preface and checks the server's answer.
    func handshake() async throws {
        try await sendPreface()
        let preface = try await readPreface()
        #expect(preface == .current)
    }

    func readPreface() async throws -> Preface {
        try await fill(atLeast: Preface.byteCount)
        guard case .preface(let preface) = Preface.parse(received) else {
            Issue.record("no server preface")
            throw HarnessError.noPreface
        }
        received.moveReaderIndex(forwardBy: Preface.byteCount)
        sawPreface = true
        return preface
    }

    /// The next frame the server wrote, waiting for it (bounded).
    func nextFrame() async throws -> Frame {
        try await fill(atLeast: 4)
        let length = Int(received.getInteger(at: received.readerIndex, as: UInt32.self)!)
        try await fill(atLeast: 4 + length)
        received.moveReaderIndex(forwardBy: 4)
        let bytes = received.readBytes(length: length)!
        return try Frame(wireBytes: bytes)
    }

    /// True when the server wrote nothing more (after letting the loop run).
    func nothingMoreWritten() async throws -> Bool {
        await channel.testingEventLoop.run()
        while let buffer = try await channel.readOutbound(as: ByteBuffer.self) {
            var buffer = buffer
            received.writeBuffer(&buffer)
        }
        return received.readableBytes == 0
    }

    var isClosed: Bool { !channel.isActive }

    func waitUntilClosed() async -> Bool {
        await eventually { !self.channel.isActive }
    }

    /// Runs the loop and collects what was written until `count` bytes are there (bounded). The loop
    /// must be driven: work a handler schedules on its own loop waits for the next `run()`.
    private func fill(atLeast count: Int, timeoutMs: Int = 5_000) async throws {
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        while received.readableBytes < count {
            await channel.testingEventLoop.run()
            while var buffer = try await channel.readOutbound(as: ByteBuffer.self) {
                received.writeBuffer(&buffer)
            }
            guard received.readableBytes < count else { return }
            guard ContinuousClock.now < deadline else { throw HarnessError.timedOut }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    /// Like `eventually`, but drives the loop between checks.
    func eventually(timeoutMs: Int = 30_000, _ condition: @escaping () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        while ContinuousClock.now < deadline {
            await channel.testingEventLoop.run()
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return condition()
    }

    enum HarnessError: Error { case noPreface, timedOut }
}

extension Frame {
    static func request(
        _ callID: UInt32, _ method: String, _ message: some WireMessage = HealthCheckRequest(),
        metadata: [String: String] = [:], timeoutMs: UInt32 = 0
    ) throws -> Frame {
        Frame(
            callID: callID, type: .request, method: method, metadata: metadata, timeoutMs: timeoutMs,
            payload: try message.wireEncoded())
    }

    var statusCode: StatusCode { StatusCode(wireValue: status?.code ?? 0) }
}
