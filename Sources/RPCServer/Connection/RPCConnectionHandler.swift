import Logging
import NIOCore
import RPCCore
import Wire

/// One client connection after the preface: routes REQUEST frames to handlers as concurrent tasks,
/// and enforces PROTOCOL.md — call ids, limits, deadlines, CANCEL, PING, GOAWAY, idle timeout.
///
/// All state lives on the channel's event loop. Handler tasks run on Swift's executors and come back
/// to the loop (through `NIOLoopBound`) to write their final frame.
final class RPCConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = Frame

    private struct ActiveCall {
        let method: String
        let kind: MethodKind
        let requestID: String
        let startedAt: NIODeadline
        let deadline: NIODeadline?
        var task: Task<Void, Never>?
    }

    private enum State { case open, goingAway, closed }

    private let router: RPCRouter
    private let limits: RPCServerLimits
    private let logger: Logger
    private let events: ConnectionEvents
    private var context: ChannelHandlerContext?
    /// Handler tasks run on this connection's loop (see EventLoopTaskExecutor).
    private var executor: EventLoopTaskExecutor?
    private var calls: [UInt32: ActiveCall] = [:]
    private var state = State.open
    private var highestCallID: UInt32 = 0
    /// Times come from the event loop's clock, so that tests can move time on their own loop.
    private var lastFrameAt = NIODeadline.uptimeNanoseconds(0)
    private var idleTimer: Scheduled<Void>?
    private var deadlineTimer = EarliestDeadlineTimer()
    private var flushScheduled = false
    private var peerAddress: String?
    /// Until the server's preface is out, a frame would corrupt the stream: shutdown just closes.
    private var prefaceExchanged = false

    init(router: RPCRouter, limits: RPCServerLimits, logger: Logger, events: ConnectionEvents) {
        self.router = router
        self.limits = limits
        self.logger = logger
        self.events = events
    }

    // MARK: lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        executor = EventLoopTaskExecutor(context.eventLoop)
        peerAddress = context.remoteAddress.map(Self.describe)
        lastFrameAt = context.eventLoop.now
        scheduleIdleCheck(in: .milliseconds(limits.idleTimeoutMs))
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        // The server calls these from any thread; they hop onto this connection's loop.
        events.opened(
            { eventLoop.execute { loopBound.value.beginGoaway() } },
            { eventLoop.execute { loopBound.value.closeNow() } })
    }

    func channelInactive(context: ChannelHandlerContext) {
        state = .closed
        idleTimer?.cancel()
        deadlineTimer.cancel()
        for (_, call) in calls {
            call.task?.cancel()
        }
        calls.removeAll()
        events.closed()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is PrefaceExchanged { prefaceExchanged = true }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let framing = error as? FramingError {
            protocolViolation(framing.goawayCode, framing.description)
        } else {
            // I/O errors (a reset, a broken pipe): nothing useful can be sent any more.
            logger.debug("connection error", metadata: ["peer": "\(peerAddress ?? "?")", "error": "\(error)"])
            context.close(promise: nil)
        }
    }

    // MARK: inbound frames

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard state != .closed else { return }
        let frame = unwrapInboundIn(data)
        lastFrameAt = context.eventLoop.now
        switch frame.type {
        case .request: startCall(frame)
        case .cancel: cancelCall(frame.callID)
        case .ping: answerPing(frame)
        case .pong, .goaway: break  // we send no pings; a client's GOAWAY needs nothing from us
        case .response, .streamMessage, .streamEnd, .unspecified:
            protocolViolation(.invalidArgument, "a client may not send \(frame.type) frames")
        default:
            // Later protocol revisions add frame types with new numbers; an old server ignores them.
            logger.debug("ignoring unknown frame type", metadata: ["type": "\(frame.type.wireValue)"])
        }
    }

    private func startCall(_ frame: Frame) {
        let callID = frame.callID
        guard callID != 0 else { return protocolViolation(.invalidArgument, "REQUEST with call_id 0") }
        guard calls[callID] == nil else { return protocolViolation(.invalidArgument, "call_id \(callID) is already in flight") }
        highestCallID = max(highestCallID, callID)
        let requestID = Self.requestID(from: frame.metadata)
        let method = router.method(frame.method)
        let isStreaming = method?.kind == .serverStreaming

        func refuse(_ error: RPCError) {
            sendFinal(callID: callID, streaming: isStreaming, error: error, requestID: requestID)
            logCall(method: frame.method, code: error.code, startedAt: nil, requestID: requestID, reason: error.reason)
        }

        guard state == .open else {
            return refuse(RPCError(.unavailable, "the server is shutting down; retry on a new connection", reason: "SERVER_DRAINING"))
        }
        guard ProtocolDefaults.metadataBytes(frame.metadata) <= limits.maxMetadataBytes else {
            return refuse(RPCError(.invalidArgument, "request metadata exceeds \(limits.maxMetadataBytes) bytes",
                                   reason: "METADATA_TOO_LARGE", details: ["field": "metadata", "max_bytes": "\(limits.maxMetadataBytes)"]))
        }
        guard calls.count < limits.maxConcurrentCalls else {
            return refuse(RPCError(.resourceExhausted, "more than \(limits.maxConcurrentCalls) calls in flight on this connection",
                                   reason: "TOO_MANY_CONCURRENT_CALLS", details: ["max_concurrent_calls": "\(limits.maxConcurrentCalls)"]))
        }
        guard let method else {
            return refuse(RPCError(.unimplemented, "unknown method '\(frame.method.prefix(200))'", reason: "UNKNOWN_METHOD"))
        }
        guard let context else { return }

        let timeoutMs: Int64? = frame.timeoutMs > 0
            ? Int64(frame.timeoutMs)
            : (method.kind == .unary ? limits.defaultUnaryTimeoutMs : nil)
        let now = context.eventLoop.now
        let deadline = timeoutMs.map { now + .milliseconds($0) }
        let rpcContext = RPCContext(
            method: method.path, callID: callID, metadata: frame.metadata, deadline: deadline,
            requestID: requestID, peerAddress: peerAddress, logger: logger)

        let call = ActiveCall(method: method.path, kind: method.kind, requestID: requestID, startedAt: now, deadline: deadline)
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        if let deadline { armDeadlineTimer(at: deadline) }
        let sink = RPCStreamSink { bytes in
            try await eventLoop.flatSubmit { loopBound.value.sendStreamMessage(callID: callID, payload: bytes) }.get()
        }
        let payload = frame.payload
        calls[callID] = call
        calls[callID]!.task = Task(executorPreference: executor) {
            let outcome: Result<[UInt8], RPCError>
            do {
                outcome = .success(try await method.invoke(payload, rpcContext, sink))
            } catch {
                outcome = .failure(ErrorMapping.rpcError(for: error, logger: rpcContext.logger))
            }
            if eventLoop.inEventLoop {
                loopBound.value.finishCall(callID, outcome)
            } else {
                eventLoop.execute { loopBound.value.finishCall(callID, outcome) }
            }
        }
    }

    private func cancelCall(_ callID: UInt32) {
        guard let call = calls.removeValue(forKey: callID) else { return }  // already finished: nothing to do
        call.task?.cancel()
        let error = RPCError(.cancelled, "the client cancelled the call", reason: "CANCELLED")
        sendFinal(callID: callID, streaming: call.kind == .serverStreaming, error: error, requestID: call.requestID)
        logCall(method: call.method, code: .cancelled, startedAt: call.startedAt, requestID: call.requestID, reason: error.reason)
        closeIfDrained()
    }

    private func answerPing(_ frame: Frame) {
        guard frame.payload.count <= ProtocolDefaults.maxPingPayloadBytes else {
            return protocolViolation(.invalidArgument, "PING payload over \(ProtocolDefaults.maxPingPayloadBytes) bytes")
        }
        write(Frame(callID: 0, type: .pong, payload: frame.payload))
    }

    // MARK: call completion (on the event loop)

    private func finishCall(_ callID: UInt32, _ outcome: Result<[UInt8], RPCError>) {
        // A call that was cancelled or timed out has already been answered.
        guard let call = calls.removeValue(forKey: callID) else { return }
        let streaming = call.kind == .serverStreaming
        var code = StatusCode.ok
        var reason = ""
        switch outcome {
        case .success(let payload) where !streaming && payload.count + 1024 > limits.maxFrameBytes:
            let error = RPCError(.resourceExhausted, "the response is larger than max_frame_bytes", reason: "RESPONSE_TOO_LARGE")
            sendFinal(callID: callID, streaming: false, error: error, requestID: call.requestID)
            code = error.code
            reason = error.reason
        case .success(let payload):
            let type: FrameType = streaming ? .streamEnd : .response
            write(Frame(callID: callID, type: type, metadata: [MetadataKey.requestID: call.requestID],
                        payload: streaming ? [] : payload))
        case .failure(let error):
            sendFinal(callID: callID, streaming: streaming, error: error, requestID: call.requestID)
            code = error.code
            reason = error.reason
        }
        logCall(method: call.method, code: code, startedAt: call.startedAt, requestID: call.requestID, reason: reason)
        closeIfDrained()
    }

    private func armDeadlineTimer(at deadline: NIODeadline) {
        guard let context else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        deadlineTimer.arm(at: deadline, on: context.eventLoop) { loopBound.value.expireDeadlines() }
    }

    /// Ends every call whose deadline has passed, then re-arms for the next one.
    private func expireDeadlines() {
        deadlineTimer.fired()
        guard let now = context?.eventLoop.now else { return }
        let next = EarliestDeadlineTimer.sweep(calls.map { ($0.key, $0.value.deadline) }, now: now) { deadlineExceeded($0) }
        if let next { armDeadlineTimer(at: next) }
    }

    private func deadlineExceeded(_ callID: UInt32) {
        guard let call = calls.removeValue(forKey: callID) else { return }
        call.task?.cancel()
        let error = RPCError(.deadlineExceeded, "the call's deadline passed before it finished", reason: "DEADLINE_EXCEEDED")
        sendFinal(callID: callID, streaming: call.kind == .serverStreaming, error: error, requestID: call.requestID)
        logCall(method: call.method, code: error.code, startedAt: call.startedAt, requestID: call.requestID, reason: error.reason)
        closeIfDrained()
    }

    private func sendStreamMessage(callID: UInt32, payload: [UInt8]) -> EventLoopFuture<Void> {
        guard let context else { preconditionFailure("stream message before the handler was added") }
        guard calls[callID] != nil, state != .closed else {
            return context.eventLoop.makeFailedFuture(CancellationError())
        }
        guard payload.count + 1024 <= limits.maxFrameBytes else {
            return context.eventLoop.makeFailedFuture(
                RPCError(.resourceExhausted, "a stream message is larger than max_frame_bytes", reason: "RESPONSE_TOO_LARGE"))
        }
        return context.writeAndFlush(wrapOutboundOut(Frame(callID: callID, type: .streamMessage, payload: payload)))
    }

    // MARK: shutdown

    /// Graceful shutdown: tell the client which calls will still be answered, take no new ones, and
    /// close once those in flight are done (the server bounds the wait).
    func beginGoaway() {
        guard state == .open else { return }
        guard prefaceExchanged else { return closeNow() }
        state = .goingAway
        write(Frame(callID: 0, type: .goaway, metadata: [MetadataKey.lastCallID: "\(highestCallID)"],
                    status: Status(code: StatusCode.ok.rawValue, message: "server shutting down")))
        closeIfDrained()
    }

    func closeNow() {
        guard state != .closed, let context else { return }
        context.close(promise: nil)
    }

    private func closeIfDrained() {
        guard state == .goingAway, calls.isEmpty, let context else { return }
        context.flush()
        context.close(promise: nil)
    }

    /// The byte stream or the client's behaviour can no longer be trusted: GOAWAY with the reason, close.
    private func protocolViolation(_ code: StatusCode, _ message: String) {
        guard state != .closed, let context else { return }
        logger.info("closing connection: protocol violation", metadata: [
            "peer": "\(peerAddress ?? "?")", "code": "\(code)", "why": "\(message)",
        ])
        state = .closed
        let goaway = Frame(callID: 0, type: .goaway, metadata: [MetadataKey.lastCallID: "\(highestCallID)"],
                           status: Status(code: code.rawValue, message: message))
        context.writeAndFlush(wrapOutboundOut(goaway)).whenComplete { _ in context.close(promise: nil) }
    }

    // MARK: idle timeout

    private func scheduleIdleCheck(in delay: TimeAmount) {
        guard let context else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        idleTimer = context.eventLoop.scheduleTask(in: delay) { loopBound.value.checkIdle() }
    }

    private func checkIdle() {
        guard state != .closed, let context else { return }
        let idleFor = context.eventLoop.now - lastFrameAt
        let limit = TimeAmount.milliseconds(limits.idleTimeoutMs)
        if calls.isEmpty && idleFor >= limit {
            logger.debug("closing idle connection", metadata: ["peer": "\(peerAddress ?? "?")"])
            state = .closed
            let goaway = Frame(callID: 0, type: .goaway, metadata: [MetadataKey.lastCallID: "\(highestCallID)"],
                               status: Status(code: StatusCode.ok.rawValue, message: "idle timeout"))
            context.writeAndFlush(wrapOutboundOut(goaway)).whenComplete { _ in context.close(promise: nil) }
        } else {
            scheduleIdleCheck(in: calls.isEmpty ? limit - idleFor : limit)
        }
    }

    // MARK: writing

    private func sendFinal(callID: UInt32, streaming: Bool, error: RPCError, requestID: String) {
        write(Frame(callID: callID, type: streaming ? .streamEnd : .response,
                    metadata: [MetadataKey.requestID: requestID], status: error.status))
    }

    /// Writes now and flushes once per event-loop turn, so that many responses finishing together
    /// share one syscall.
    private func write(_ frame: Frame) {
        guard let context, state != .closed || frame.type == .goaway else { return }
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

    private func logCall(method: String, code: StatusCode, startedAt: NIODeadline?, requestID: String, reason: String) {
        let now = context?.eventLoop.now ?? .now()
        let durationNs = (startedAt.map { now - $0 } ?? .zero).nanoseconds
        var metadata: Logger.Metadata = [
            "method": .string(String(method.prefix(200))), "code": .string(code.description),
            "duration_ms": .string(Self.milliseconds(nanoseconds: durationNs)), "request_id": .string(requestID),
        ]
        if !reason.isEmpty { metadata["reason"] = "\(reason)" }
        logger.info("rpc", metadata: metadata)
    }

    // MARK: helpers

    /// `1234567` ns → `"1.234"`: three decimals without Double formatting on every call.
    static func milliseconds(nanoseconds: Int64) -> String {
        let micros = max(0, nanoseconds / 1_000)
        let fraction = String(micros % 1_000)
        return "\(micros / 1_000)." + String(repeating: "0", count: 3 - fraction.utf8.count) + fraction
    }

    /// The client's `x-request-id` when it is sane, else one of ours.
    static func requestID(from metadata: [String: String]) -> String {
        if let given = metadata[MetadataKey.requestID], !given.isEmpty,
           given.utf8.count <= ProtocolDefaults.maxRequestIDBytes,
           given.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            return given
        }
        return RequestIDGenerator.shared.next()
    }

    static func describe(_ address: SocketAddress) -> String {
        if let ip = address.ipAddress, let port = address.port { return "\(ip):\(port)" }
        return address.description
    }
}

/// How a connection tells the server it exists, so that a shutdown can reach every connection.
struct ConnectionEvents: Sendable {
    let opened: @Sendable (_ goaway: @escaping @Sendable () -> Void, _ close: @escaping @Sendable () -> Void) -> Void
    let closed: @Sendable () -> Void
}
