import NIOCore
import RPCCore
import Wire

/// Multiplexes the calls of one connection: writes REQUEST and CANCEL frames, routes the server's
/// frames to each call by id, enforces each call's deadline locally, answers PINGs, honours GOAWAY.
/// Lives on the channel's event loop.
final class ClientCallsHandler: ChannelInboundHandler {
    typealias InboundIn = ReceivedFrame
    typealias OutboundOut = Frame

    /// Grace past the deadline for the server's own DEADLINE_EXCEEDED (with its reason) to arrive.
    static let localDeadlineGraceMs: Int64 = 50

    private struct Entry {
        let sink: ClientCallSink
        var deadline: NIODeadline?
    }

    private var context: ChannelHandlerContext?
    private var calls: [UInt32: Entry] = [:]
    private var pings: [UInt64: EventLoopPromise<Void>] = [:]
    private var flushScheduled = false
    private var deadlineTimer = EarliestDeadlineTimer()
    private var closedError: RPCError?
    /// Set on GOAWAY: the connection finishes what it has, and new calls go to a new connection.
    private let goingAway: @Sendable () -> Void
    private var goawayMessage: String?
    private var receivedGoaway = false
    /// The last call id written. Ids increase on a connection (docs/PROTOCOL.md): they are given here,
    /// on the loop, in the order the REQUESTs are written, never when a caller builds its frame.
    private var lastCallID: UInt32 = 0
    /// The last id this connection gives: then new calls go to a new connection, before ids could wrap.
    private let maxCallID: UInt32
    /// Its last id given: the connection finishes its calls, then closes.
    private var retired = false

    init(maxCallID: UInt32, onGoaway: @escaping @Sendable () -> Void) {
        precondition(maxCallID >= 1)
        self.maxCallID = maxCallID
        self.goingAway = onGoaway
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    // MARK: from callers (already on the loop)

    func start(_ request: Frame, sink: ClientCallSink, localTimeoutMs: UInt32?, cancellation: ClientCallCancellation) {
        if cancellation.isCancelled { return sink.fail(CancellationError()) }
        // A retired connection (closed or not) never wrote this call: it goes to a new connection.
        if retired { return sink.fail(CallIDsExhausted()) }
        if let closedError { return sink.fail(closedError) }
        guard let context, context.channel.isActive else {
            return sink.fail(
                RPCError(.unavailable, "the connection to the server is closed", reason: .connectionClosed))
        }
        guard lastCallID < maxCallID else {
            goingAway()  // the manager opens a new connection for the next calls
            return sink.fail(CallIDsExhausted())
        }
        lastCallID += 1
        if lastCallID == maxCallID {
            retired = true
            goingAway()
        }
        var frame = request
        frame.callID = lastCallID
        cancellation.callID = lastCallID
        precondition(calls[frame.callID] == nil, "call ids only increase")
        var entry = Entry(sink: sink)
        if let localTimeoutMs {
            let deadline = context.eventLoop.now + .milliseconds(Int64(localTimeoutMs) + Self.localDeadlineGraceMs)
            entry.deadline = deadline
            armDeadlineTimer(at: deadline)
        }
        calls[frame.callID] = entry
        write(frame)
    }

    func cancel(_ callID: UInt32) {
        guard let entry = calls.removeValue(forKey: callID) else { return }
        write(Frame(callID: callID, type: .cancel))
        entry.sink.fail(CancellationError())
        closeIfFinished()
    }

    /// After a GOAWAY, or once retired, the connection only finishes its calls; with none left it is done.
    private func closeIfFinished() {
        guard receivedGoaway || retired, calls.isEmpty, let context else { return }
        context.flush()
        context.close(promise: nil)
    }

    func ping(payload: UInt64, promise: EventLoopPromise<Void>) {
        guard let context, context.channel.isActive else {
            return promise.fail(
                RPCError(.unavailable, "the connection to the server is closed", reason: .connectionClosed))
        }
        pings[payload] = promise
        var bytes: [UInt8] = []
        withUnsafeBytes(of: payload.bigEndian) { bytes.append(contentsOf: $0) }
        write(Frame(callID: 0, type: .ping, payload: bytes))
    }

    private func armDeadlineTimer(at deadline: NIODeadline) {
        guard let context else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        deadlineTimer.arm(at: deadline, on: context.eventLoop) { loopBound.value.expireDeadlines() }
    }

    /// Fails every call whose local deadline passed (and tells the server), then re-arms.
    private func expireDeadlines() {
        deadlineTimer.fired()
        guard let now = context?.eventLoop.now else { return }
        let next = EarliestDeadlineTimer.sweep(calls.map { ($0.key, $0.value.deadline) }, now: now) { callID in
            guard let entry = calls.removeValue(forKey: callID) else { return }
            write(Frame(callID: callID, type: .cancel))
            entry.sink.fail(
                RPCError(.deadlineExceeded, "no answer from the server before the deadline", reason: .deadlineExceeded))
        }
        if let next { armDeadlineTimer(at: next) }
        closeIfFinished()
    }

    // MARK: from the server

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data).frame
        switch frame.type {
        case .response:
            guard let entry = calls.removeValue(forKey: frame.callID) else { return }  // cancelled: ignore
            if case .unary(let continuation) = entry.sink {
                continuation.resume(returning: frame)
            } else {
                entry.sink.fail(
                    RPCError(.internal, "the server answered a streaming call with RESPONSE", reason: .protocolError))
            }
        case .streamMessage:
            guard let entry = calls[frame.callID], case .stream(let continuation) = entry.sink else { return }
            continuation.yield(frame.payload)
        case .streamEnd:
            guard let entry = calls.removeValue(forKey: frame.callID) else { return }
            switch entry.sink {
            case .stream(let continuation):
                let status = frame.status ?? Status()
                if status.code == 0 {
                    continuation.finish()
                } else {
                    continuation.finish(throwing: RPCError(status: status))
                }
            case .unary(let continuation):
                continuation.resume(returning: frame)  // a unary call may be ended like a stream; status decides
            }
        case .ping:
            write(
                Frame(
                    callID: 0, type: .pong, payload: Array(frame.payload.prefix(ProtocolDefaults.maxPingPayloadBytes))))
        case .pong:
            guard frame.payload.count == 8 else { return }
            let payload = frame.payload.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            pings.removeValue(forKey: payload)?.succeed()
        case .goaway:
            receivedGoaway(frame)
        default:
            break
        }
        closeIfFinished()
    }

    private func receivedGoaway(_ frame: Frame) {
        receivedGoaway = true
        goingAway()
        let status = frame.status ?? Status()
        goawayMessage = status.message.isEmpty ? nil : status.message
        let lastCallID = frame.metadata[MetadataKey.lastCallID].flatMap(UInt32.init) ?? UInt32.max
        // Calls above last-call-id were never processed: they may be retried on a new connection.
        for callID in calls.keys where callID > lastCallID {
            let entry = calls.removeValue(forKey: callID)!
            entry.sink.fail(
                RPCError(.unavailable, "the server went away before taking the call; retry", reason: .goaway))
        }
        if calls.isEmpty { context?.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        var message = "the connection to the server closed"
        if let goawayMessage { message += " (\(goawayMessage))" }
        let error = RPCError(.unavailable, message, reason: .connectionClosed)
        closedError = error
        let entries = calls
        calls.removeAll()
        deadlineTimer.cancel()
        for (_, entry) in entries {
            entry.sink.fail(error)
        }
        for (_, promise) in pings { promise.fail(error) }
        pings.removeAll()
        goingAway()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Garbage from the server or a broken socket: nothing on this connection can be trusted.
        if let framing = error as? FramingError { goawayMessage = "bad frame from the server: \(framing)" }
        context.close(promise: nil)
    }

    // MARK: writing

    private func write(_ frame: Frame) {
        guard let context else { return }
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
}

/// A call refused before it was written because its connection had given its last call id: the
/// client sends it again on a new connection.
struct CallIDsExhausted: Error {}
