import Logging
import NIOCore
import RPCCore
import Wire

/// One client connection after the preface. The rules (call ids, limits, deadlines, CANCEL, PING,
/// GOAWAY, idle timeout) live in `ConnectionStateMachine`; this handler feeds it the channel's events
/// and carries out what it answers: writes frames, starts and cancels handler tasks, arms timers,
/// closes.
///
/// All state lives on the channel's event loop. Handler tasks run on Swift's executors and come back
/// to the loop (through `NIOLoopBound`) to report their outcome.
final class RPCConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ReceivedFrame
    typealias OutboundOut = Frame

    private let router: RPCRouter
    private let logger: Logger
    private let events: ConnectionEvents
    private let metrics: RPCMetrics
    private var state: ConnectionStateMachine
    private var context: ChannelHandlerContext?
    /// Handler tasks run on this connection's loop (see EventLoopTaskExecutor).
    private var executor: EventLoopTaskExecutor?
    /// The task of every call in flight; the state machine knows the calls, this handler their tasks.
    private var tasks: [UInt32: Task<Void, Never>] = [:]
    private var idleTimer: Scheduled<Void>?
    private var deadlineTimer = EarliestDeadlineTimer()
    private var flushScheduled = false
    private var peerAddress: String?

    init(router: RPCRouter, limits: RPCServerLimits, logger: Logger, events: ConnectionEvents, metrics: RPCMetrics) {
        self.router = router
        self.metrics = metrics
        self.logger = logger
        self.events = events
        // Replaced in handlerAdded, where the loop's clock is known.
        self.state = ConnectionStateMachine(limits: limits, now: .uptimeNanoseconds(0))
    }

    // MARK: lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        executor = EventLoopTaskExecutor(context.eventLoop)
        peerAddress = context.remoteAddress.map(Self.describe)
        // Times come from the event loop's clock, so that tests can move time on their own loop.
        state = ConnectionStateMachine(limits: state.limits, now: context.eventLoop.now)
        scheduleIdleCheck(in: TimeAmount(state.limits.idleTimeout))
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        // The server calls these from any thread; they hop onto this connection's loop.
        events.opened(
            { eventLoop.execute { loopBound.value.beginGoaway() } },
            { eventLoop.execute { loopBound.value.closeNow() } })
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        deadlineTimer.cancel()
        for callID in state.channelInactive() {
            tasks.removeValue(forKey: callID)?.cancel()
        }
        events.closed()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is PrefaceExchanged { state.prefaceWasExchanged() }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let framing = error as? FramingError {
            guard !state.isClosed else { return }
            closeWithGoaway(state.violation(framing.goawayCode, framing.description))
        } else {
            // I/O errors (a reset, a broken pipe): nothing useful can be sent any more.
            logger.debug("connection error", metadata: ["peer": "\(peerAddress ?? "?")", "error": "\(error)"])
            context.close(promise: nil)
        }
    }

    // MARK: inbound frames

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !state.isClosed else { return }
        let received = unwrapInboundIn(data)
        let frame = received.frame
        state.receivedFrame(now: context.eventLoop.now)
        switch frame.type {
        case .request:
            startCall(frame, metadataEntries: received.metadataEntries, context: context)
        case .cancel:
            perform(state.receivedCancel(callID: frame.callID))
        case .ping:
            switch state.receivedPing(frame) {
            case .reply(let pong): write(pong)
            case .closeWithGoaway(let goaway): closeWithGoaway(goaway)
            }
        case .pong, .goaway:
            break  // we send no pings; a client's GOAWAY needs nothing from us
        case .response, .streamMessage, .streamEnd, .unspecified:
            closeWithGoaway(state.violation(.invalidArgument, "a client may not send \(frame.type) frames"))
        case .unrecognized(let value):
            // Later protocol revisions add frame types with new numbers; an old server ignores them.
            logger.debug("ignoring unknown frame type", metadata: ["type": "\(value)"])
        }
    }

    private func startCall(_ frame: Frame, metadataEntries: Int, context: ChannelHandlerContext) {
        let method = router.method(frame.method)
        switch state.receivedRequest(
            frame, metadataEntries: metadataEntries, method: method, now: context.eventLoop.now)
        {
        case .closeWithGoaway(let goaway):
            closeWithGoaway(goaway)
        case .refuse(let answer, let record):
            write(answer)
            log(record)
        case .start(let callID, let deadline, let requestID):
            guard let method else { preconditionFailure("the state machine started a call without a method") }
            if let deadline { armDeadlineTimer(at: deadline) }
            let rpcContext = RPCContext(
                method: method.path, callID: callID, metadata: frame.metadata, deadline: deadline,
                requestID: requestID, peerAddress: peerAddress, logger: logger)
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            let eventLoop = context.eventLoop
            let sink = RPCStreamSink { bytes in
                try await eventLoop.flatSubmit { loopBound.value.sendStreamMessage(callID: callID, payload: bytes) }
                    .get()
            }
            let payload = frame.payload
            let errorMapper = router.errorMapper
            tasks[callID] = Task(executorPreference: executor) {
                let outcome: Result<[UInt8], RPCError>
                do {
                    outcome = .success(try await method.invoke(payload, rpcContext, sink))
                } catch {
                    outcome = .failure(
                        ErrorMapping.rpcError(for: error, mapper: errorMapper, logger: rpcContext.logger))
                }
                if eventLoop.inEventLoop {
                    loopBound.value.callFinished(callID, outcome)
                } else {
                    eventLoop.execute { loopBound.value.callFinished(callID, outcome) }
                }
            }
        }
    }

    private func callFinished(_ callID: UInt32, _ outcome: Result<[UInt8], RPCError>) {
        tasks[callID] = nil
        perform(state.callFinished(callID: callID, outcome))
    }

    /// Carries out the end of a call.
    private func perform(_ action: ConnectionStateMachine.EndAction) {
        guard case .answer(let frame, let record, let cancelTask, let close) = action else { return }
        if cancelTask { tasks.removeValue(forKey: frame.callID)?.cancel() }
        write(frame)
        log(record)
        if close { flushAndClose() }
    }

    // MARK: deadlines

    private func armDeadlineTimer(at deadline: NIODeadline) {
        guard let context else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        deadlineTimer.arm(at: deadline, on: context.eventLoop) { loopBound.value.deadlineTimerFired() }
    }

    private func deadlineTimerFired() {
        deadlineTimer.fired()
        guard let now = context?.eventLoop.now else { return }
        let (ended, next) = state.deadlinesPassed(now: now)
        ended.forEach(perform)
        if let next { armDeadlineTimer(at: next) }
    }

    // MARK: streams

    private func sendStreamMessage(callID: UInt32, payload: [UInt8]) -> EventLoopFuture<Void> {
        guard let context else { preconditionFailure("stream message before the handler was added") }
        if let refusal = state.streamMessageAllowed(callID: callID, payloadBytes: payload.count) {
            // A call that has ended gets CancellationError, so its handler stops like a cancelled task.
            let error: any Error = refusal.code == .cancelled ? CancellationError() : refusal
            return context.eventLoop.makeFailedFuture(error)
        }
        return context.writeAndFlush(wrapOutboundOut(Frame(callID: callID, type: .streamMessage, payload: payload)))
    }

    // MARK: shutdown and idleness

    func beginGoaway() {
        switch state.beginGoaway() {
        case .none:
            break
        case .close:
            closeNow()
        case .sendGoaway(let goaway, let close):
            write(goaway)
            if close { flushAndClose() }
        }
    }

    func closeNow() {
        context?.close(promise: nil)
    }

    private func flushAndClose() {
        guard let context else { return }
        context.flush()
        context.close(promise: nil)
    }

    /// Sends the GOAWAY that ends the connection, then closes once it is out.
    private func closeWithGoaway(_ goaway: Frame) {
        guard let context else { return }
        if goaway.status?.code != StatusCode.ok.rawValue {
            logger.info(
                "closing connection: protocol violation",
                metadata: [
                    "peer": "\(peerAddress ?? "?")", "code": "\(StatusCode(wireValue: goaway.status?.code ?? 0))",
                    "why": "\(goaway.status?.message ?? "")",
                ])
        } else {
            logger.debug(
                "closing connection",
                metadata: ["peer": "\(peerAddress ?? "?")", "why": "\(goaway.status?.message ?? "")"])
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(goaway)).whenComplete { _ in channel.close(promise: nil) }
    }

    private func scheduleIdleCheck(in delay: TimeAmount) {
        guard let context else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        idleTimer = context.eventLoop.scheduleTask(in: delay) { loopBound.value.idleTimerFired() }
    }

    private func idleTimerFired() {
        guard let now = context?.eventLoop.now else { return }
        switch state.idleCheck(now: now) {
        case .none: break
        case .checkAgain(let delay): scheduleIdleCheck(in: delay)
        case .closeWithGoaway(let goaway): closeWithGoaway(goaway)
        }
    }

    // MARK: writing

    /// Writes now and flushes once per event-loop turn, so that many responses finishing together
    /// share one syscall.
    private func write(_ frame: Frame) {
        guard let context, !state.isClosed || frame.type == .goaway else { return }
        context.write(wrapOutboundOut(frame), promise: nil)
        guard !flushScheduled else { return }
        flushScheduled = true
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let handler = loopBound.value
            handler.flushScheduled = false
            handler.context?.flush()
        }
    }

    private func log(_ record: ConnectionStateMachine.CallRecord) {
        let now = context?.eventLoop.now ?? .now()
        let durationNs = (record.startedAt.map { now - $0 } ?? .zero).nanoseconds
        metrics.callEnded(method: record.method, code: record.code, durationNanoseconds: durationNs)
        var metadata: Logger.Metadata = [
            "method": .string(record.method), "code": .string(record.code.description),
            "duration_ms": .string(Self.milliseconds(nanoseconds: durationNs)), "request_id": .string(record.requestID),
        ]
        if !record.reason.isEmpty { metadata["reason"] = "\(record.reason)" }
        logger.info("rpc", metadata: metadata)
    }

    // MARK: helpers

    /// `1234567` ns → `"1.234"`: three decimals without Double formatting on every call.
    static func milliseconds(nanoseconds: Int64) -> String {
        let micros = max(0, nanoseconds / 1_000)
        let fraction = String(micros % 1_000)
        return "\(micros / 1_000)." + String(repeating: "0", count: 3 - fraction.utf8.count) + fraction
    }

    static func describe(_ address: SocketAddress) -> String {
        if let ip = address.ipAddress, let port = address.port { return "\(IPAddressText.canonical(ip)):\(port)" }
        return address.description
    }
}

/// How a connection tells the server it exists, so that a shutdown can reach every connection.
struct ConnectionEvents: Sendable {
    let opened: @Sendable (_ goaway: @escaping @Sendable () -> Void, _ close: @escaping @Sendable () -> Void) -> Void
    let closed: @Sendable () -> Void
}
