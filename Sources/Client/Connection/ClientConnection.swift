import NIOCore
import RPCCore
import Synchronization
import Wire

/// One open, handshaken connection and the means to start calls on it from any thread.
final class ClientConnection: Sendable {
    let channel: any Channel
    private let handler: NIOLoopBound<ClientCallsHandler>
    private let nextPingPayload = Atomic<UInt64>(0)
    let goingAway: GoingAwayFlag

    init(channel: any Channel, handler: NIOLoopBound<ClientCallsHandler>, goingAway: GoingAwayFlag) {
        self.channel = channel
        self.handler = handler
        self.goingAway = goingAway
    }

    /// Usable for new calls: open and not told to go away.
    var isUsable: Bool { channel.isActive && !goingAway.isSet }

    func unary(_ frame: Frame, localTimeoutMs: UInt32?) async throws -> Frame {
        let cancellation = ClientCallCancellation()
        let handler = self.handler
        let eventLoop = channel.eventLoop
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Frame, any Error>) in
                eventLoop.execute {
                    handler.value.start(
                        frame, sink: .unary(continuation), localTimeoutMs: localTimeoutMs, cancellation: cancellation)
                }
            }
        } onCancel: {
            cancellation.markCancelled()
            eventLoop.execute { handler.value.cancel(cancellation.callID) }
        }
    }

    func serverStreaming(_ frame: Frame, localTimeoutMs: UInt32?) -> AsyncThrowingStream<[UInt8], any Error> {
        let (stream, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let cancellation = ClientCallCancellation()
        let handler = self.handler
        let eventLoop = channel.eventLoop
        continuation.onTermination = { termination in
            // The consumer stopped early (its task was cancelled or it dropped the stream).
            guard case .cancelled = termination else { return }
            cancellation.markCancelled()
            eventLoop.execute { handler.value.cancel(cancellation.callID) }
        }
        eventLoop.execute {
            handler.value.start(
                frame, sink: .stream(continuation), localTimeoutMs: localTimeoutMs, cancellation: cancellation)
        }
        return stream
    }

    /// A round trip of PING and PONG.
    func ping() async throws -> Duration {
        let started = ContinuousClock.now
        let promise = channel.eventLoop.makePromise(of: Void.self)
        let payload = nextPingPayload.wrappingAdd(1, ordering: .relaxed).newValue
        let handler = self.handler
        channel.eventLoop.execute { handler.value.ping(payload: payload, promise: promise) }
        try await promise.futureResult.get()
        return ContinuousClock.now - started
    }

    func close() async {
        try? await channel.close()
    }
}

final class GoingAwayFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}
