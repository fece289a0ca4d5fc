import NIOCore
import RPCCore
import Wire

/// The rules of docs/PROTOCOL.md for one connection after the preface, as a value: the call table, the
/// phase (open, going away, closed), the limits, deadlines and the idle timeout. Each event returns
/// what to do — which frame to send, which handler task to start or cancel, whether to close — and
/// `RPCConnectionHandler` only carries that out. No channel, no clock of its own (times come in as
/// arguments), so every rule is tested without a socket (ConnectionStateMachineTests).
struct ConnectionStateMachine {
    enum Phase: Equatable {
        case open
        /// GOAWAY sent: no new calls; closes once the calls in flight are done.
        case goingAway
        case closed
    }

    /// A call in flight.
    struct Call: Equatable {
        let method: String
        let kind: MethodKind
        let requestID: String
        let startedAt: NIODeadline
        let deadline: NIODeadline?
    }

    /// One finished call, for the log line the handler writes.
    struct CallRecord: Equatable {
        let method: String
        let code: StatusCode
        /// Nil for a call refused before it started.
        let startedAt: NIODeadline?
        let requestID: String
        let reason: String
    }

    /// What a REQUEST leads to.
    enum RequestAction: Equatable {
        /// Start the handler's task; arm the deadline timer at `deadline` when there is one.
        case start(callID: UInt32, deadline: NIODeadline?, requestID: String)
        /// Answer at once with `frame`: the call never starts.
        case refuse(Frame, CallRecord)
        /// The peer broke the protocol: send `goaway`, then close.
        case closeWithGoaway(Frame)
    }

    /// What ending a call (its handler returned, the client cancelled, its deadline passed) leads to.
    enum EndAction: Equatable {
        /// The call had already ended: nothing to send.
        case none
        /// Send `frame` (RESPONSE or STREAM_END); cancel the handler's task when `cancelTask`; close
        /// the connection afterwards when `close` (the last call of a draining connection).
        case answer(Frame, CallRecord, cancelTask: Bool, close: Bool)
    }

    enum PingAction: Equatable {
        case reply(Frame)
        case closeWithGoaway(Frame)
    }

    enum IdleAction: Equatable {
        /// Idle for the whole timeout with no call in flight: send `goaway`, then close.
        case closeWithGoaway(Frame)
        case checkAgain(in: TimeAmount)
        case none
    }

    enum GoawayAction: Equatable {
        case none
        /// The preface is not out yet: a frame would corrupt the stream.
        case close
        /// Send `goaway`; close after it when nothing is in flight.
        case sendGoaway(Frame, close: Bool)
    }

    let limits: RPCServerLimits
    private(set) var phase = Phase.open
    private(set) var calls: [UInt32: Call] = [:]
    /// The highest call id accepted, for GOAWAY's `last-call-id`.
    private(set) var highestCallID: UInt32 = 0
    private var lastFrameAt: NIODeadline
    private var prefaceExchanged = false

    init(limits: RPCServerLimits, now: NIODeadline) {
        self.limits = limits
        self.lastFrameAt = now
    }

    // MARK: inbound

    /// Any frame from the peer counts as activity for the idle timeout.
    mutating func receivedFrame(now: NIODeadline) {
        lastFrameAt = now
    }

    mutating func prefaceWasExchanged() {
        prefaceExchanged = true
    }

    /// A REQUEST; `method` is the router's entry for its path, nil when unknown; `metadataEntries` how
    /// many metadata entries it carried on the wire (past the limit they were dropped undecoded).
    mutating func receivedRequest(
        _ frame: Frame, metadataEntries: Int? = nil, method: RPCMethod?, now: NIODeadline
    ) -> RequestAction {
        let callID = frame.callID
        guard callID != 0 else { return protocolViolation(.invalidArgument, "REQUEST with call_id 0") }
        // Call ids increase on a connection (as HTTP/2's stream ids do): a reused id could not be told
        // apart from a late frame of the call that had it, so it ends the connection.
        guard callID > highestCallID else {
            return protocolViolation(
                .invalidArgument,
                "call_id \(callID) is not above \(highestCallID), the highest so far on this connection")
        }
        highestCallID = callID
        let requestID = Self.requestID(from: frame.metadata)
        let streaming = method?.kind == .serverStreaming

        func refuse(_ error: RPCError) -> RequestAction {
            .refuse(
                Self.final(callID: callID, streaming: streaming, error: error, requestID: requestID),
                CallRecord(
                    method: String(frame.method.prefix(200)), code: error.code, startedAt: nil,
                    requestID: requestID, reason: error.reason))
        }

        guard phase == .open else {
            return refuse(
                RPCError(
                    .unavailable, "the server is shutting down; retry on a new connection", reason: .serverDraining))
        }
        // Entries on the wire, not in the dictionary: duplicates collapse there, and past the limit
        // the decoder dropped them before they were ever allocated.
        guard (metadataEntries ?? frame.metadata.count) <= limits.maxMetadataEntries else {
            return refuse(
                RPCError(
                    .invalidArgument, "request metadata has more than \(limits.maxMetadataEntries) entries",
                    reason: .metadataTooLarge,
                    details: ["field": "metadata", "max_entries": "\(limits.maxMetadataEntries)"]))
        }
        guard ProtocolDefaults.metadataBytes(frame.metadata) <= limits.maxMetadataBytes else {
            return refuse(
                RPCError(
                    .invalidArgument, "request metadata exceeds \(limits.maxMetadataBytes) bytes",
                    reason: .metadataTooLarge,
                    details: ["field": "metadata", "max_bytes": "\(limits.maxMetadataBytes)"]))
        }
        guard calls.count < limits.maxConcurrentCalls else {
            return refuse(
                RPCError(
                    .resourceExhausted, "more than \(limits.maxConcurrentCalls) calls in flight on this connection",
                    reason: .tooManyConcurrentCalls, details: ["max_concurrent_calls": "\(limits.maxConcurrentCalls)"]))
        }
        guard let method else {
            return refuse(
                RPCError(.unimplemented, "unknown method '\(frame.method.prefix(200))'", reason: .unknownMethod))
        }
        if method.kind == .serverStreaming {
            guard streamsInFlight < limits.maxStreamsPerConnection else {
                return refuse(
                    RPCError(
                        .resourceExhausted,
                        "more than \(limits.maxStreamsPerConnection) streams in flight on this connection",
                        reason: .tooManyStreams, details: ["max_streams": "\(limits.maxStreamsPerConnection)"]))
            }
        }

        let timeout: TimeAmount? =
            frame.timeoutMs > 0
            ? .milliseconds(Int64(frame.timeoutMs))
            : (method.kind == .unary ? TimeAmount(limits.defaultUnaryTimeout) : nil)
        let deadline = timeout.map { now + $0 }
        calls[callID] = Call(
            method: method.path, kind: method.kind, requestID: requestID, startedAt: now, deadline: deadline)
        return .start(callID: callID, deadline: deadline, requestID: requestID)
    }

    mutating func receivedCancel(callID: UInt32) -> EndAction {
        end(callID, with: RPCError(.cancelled, "the client cancelled the call", reason: .cancelled), cancelTask: true)
    }

    mutating func receivedPing(_ frame: Frame) -> PingAction {
        guard frame.payload.count <= ProtocolDefaults.maxPingPayloadBytes else {
            return .closeWithGoaway(
                violation(.invalidArgument, "PING payload over \(ProtocolDefaults.maxPingPayloadBytes) bytes"))
        }
        return .reply(Frame(callID: 0, type: .pong, payload: frame.payload))
    }

    /// A frame only a server may send, or bytes the decoder could not frame.
    mutating func protocolViolation(_ code: StatusCode, _ message: String) -> RequestAction {
        .closeWithGoaway(violation(code, message))
    }

    /// The GOAWAY that ends a connection whose peer cannot be trusted any more; nothing follows it.
    mutating func violation(_ code: StatusCode, _ message: String) -> Frame {
        phase = .closed
        return goaway(code: code, message: message)
    }

    // MARK: calls ending

    /// The handler's task returned: its response payload, or the error it threw (already mapped).
    mutating func callFinished(callID: UInt32, _ outcome: Result<[UInt8], RPCError>) -> EndAction {
        // A call that was cancelled or timed out has already been answered.
        guard let call = calls[callID] else { return .none }
        let streaming = call.kind == .serverStreaming
        switch outcome {
        case .success(let payload) where !streaming && payload.count + Self.frameOverheadBytes > limits.maxFrameBytes:
            return end(
                callID,
                with: RPCError(
                    .resourceExhausted, "the response is larger than max_frame_bytes",
                    reason: .responseTooLarge), cancelTask: false)
        case .success(let payload):
            calls[callID] = nil
            let frame = Frame(
                callID: callID, type: streaming ? .streamEnd : .response,
                metadata: [MetadataKey.requestID: call.requestID], payload: streaming ? [] : payload)
            return .answer(frame, Self.record(call, code: .ok, reason: ""), cancelTask: false, close: drainedNow)
        case .failure(let error):
            return end(callID, with: error, cancelTask: false)
        }
    }

    /// Ends every call whose deadline is not after `now`; returns those answers and the next deadline
    /// to arm the timer at.
    mutating func deadlinesPassed(now: NIODeadline) -> (ended: [EndAction], next: NIODeadline?) {
        var expired: [UInt32] = []
        let next = EarliestDeadlineTimer.sweep(calls.map { ($0.key, $0.value.deadline) }, now: now) {
            expired.append($0)
        }
        let error = RPCError(
            .deadlineExceeded, "the call's deadline passed before it finished", reason: .deadlineExceeded)
        return (expired.sorted().map { end($0, with: error, cancelTask: true) }, next)
    }

    /// Whether a server-streaming handler may still send on `callID`; the error it gets otherwise.
    func streamMessageAllowed(callID: UInt32, payloadBytes: Int) -> RPCError? {
        guard calls[callID] != nil, phase != .closed else {
            return RPCError(.cancelled, "the call has ended", reason: .cancelled)
        }
        guard payloadBytes + Self.frameOverheadBytes <= limits.maxFrameBytes else {
            return RPCError(
                .resourceExhausted, "a stream message is larger than max_frame_bytes", reason: .responseTooLarge)
        }
        return nil
    }

    private mutating func end(_ callID: UInt32, with error: RPCError, cancelTask: Bool) -> EndAction {
        guard let call = calls.removeValue(forKey: callID) else { return .none }
        let frame = Self.final(
            callID: callID, streaming: call.kind == .serverStreaming, error: error, requestID: call.requestID)
        return .answer(
            frame, Self.record(call, code: error.code, reason: error.reason), cancelTask: cancelTask, close: drainedNow)
    }

    /// Server-streaming calls in flight (a few per connection; counted when a stream asks to start).
    private var streamsInFlight: Int { calls.values.reduce(0) { $0 + ($1.kind == .serverStreaming ? 1 : 0) } }

    /// A draining connection whose last call just ended closes.
    private var drainedNow: Bool { phase == .goingAway && calls.isEmpty }

    // MARK: shutdown and idleness

    /// Graceful shutdown: say which calls will still be answered, take no new ones.
    mutating func beginGoaway() -> GoawayAction {
        guard phase == .open else { return .none }
        guard prefaceExchanged else {
            phase = .closed
            return .close
        }
        phase = .goingAway
        return .sendGoaway(goaway(code: .ok, message: "server shutting down"), close: calls.isEmpty)
    }

    mutating func idleCheck(now: NIODeadline) -> IdleAction {
        guard phase != .closed else { return .none }
        let idleFor = now - lastFrameAt
        let limit = TimeAmount(limits.idleTimeout)
        if calls.isEmpty && idleFor >= limit {
            phase = .closed
            return .closeWithGoaway(goaway(code: .ok, message: "idle timeout"))
        }
        return .checkAgain(in: calls.isEmpty ? limit - idleFor : limit)
    }

    /// The channel went away: every call's task is to be cancelled; nothing more is sent.
    mutating func channelInactive() -> [UInt32] {
        phase = .closed
        defer { calls.removeAll() }
        return Array(calls.keys)
    }

    /// Whether frames may still be written (a GOAWAY is written on the way to closed).
    var isClosed: Bool { phase == .closed }

    // MARK: frames

    /// Bytes of a RESPONSE frame besides its payload (call id, type, request id, status), rounded up.
    static let frameOverheadBytes = 1024

    private func goaway(code: StatusCode, message: String) -> Frame {
        Frame(
            callID: 0, type: .goaway, metadata: [MetadataKey.lastCallID: "\(highestCallID)"],
            status: Status(code: code.rawValue, message: message))
    }

    static func final(callID: UInt32, streaming: Bool, error: RPCError, requestID: String) -> Frame {
        Frame(
            callID: callID, type: streaming ? .streamEnd : .response,
            metadata: [MetadataKey.requestID: requestID], status: error.status)
    }

    private static func record(_ call: Call, code: StatusCode, reason: String) -> CallRecord {
        CallRecord(
            method: call.method, code: code, startedAt: call.startedAt, requestID: call.requestID, reason: reason)
    }

    /// The client's `x-request-id` when it is sane, else one of ours.
    static func requestID(from metadata: [String: String]) -> String {
        if let given = metadata[MetadataKey.requestID], !given.isEmpty,
            given.utf8.count <= ProtocolDefaults.maxRequestIDBytes,
            given.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        {
            return given
        }
        return RequestIDGenerator.shared.next()
    }
}
