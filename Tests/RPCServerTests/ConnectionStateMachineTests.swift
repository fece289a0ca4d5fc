import NIOCore
import RPCCore
import Testing
import Wire

@testable import RPCServer

/// The connection's rules without a channel: every event in, every action out.
@Suite("Connection state machine")
struct ConnectionStateMachineTests {
    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    static func method(_ name: String, _ kind: MethodKind = .unary) -> RPCMethod {
        RPCMethod(
            descriptor: AnyMethodDescriptor(
                MethodDescriptor<Frame, Frame>(
                    service: "careerai.v1.Probe", method: name, kind: kind, access: .public)),
            invoke: { _, _, _ in [] })
    }

    static func request(
        _ callID: UInt32, _ name: String = "Echo", timeoutMs: UInt32 = 0, metadata: [String: String] = [:]
    ) -> Frame {
        Frame(
            callID: callID, type: .request, method: "/careerai.v1.Probe/\(name)", metadata: metadata,
            timeoutMs: timeoutMs)
    }

    static func machine(_ configure: (inout RPCServerLimits) -> Void = { _ in }) -> ConnectionStateMachine {
        var limits = RPCServerLimits()
        configure(&limits)
        var machine = ConnectionStateMachine(limits: limits, now: start)
        machine.prefaceWasExchanged()
        return machine
    }

    @Test("a request starts its call with the default unary deadline; its response ends it")
    func startAndFinish() {
        var machine = Self.machine()
        let action = machine.receivedRequest(
            Self.request(3, metadata: ["x-request-id": "r-1"]), method: Self.method("Echo"), now: Self.start)
        #expect(action == .start(callID: 3, deadline: Self.start + .milliseconds(30_000), requestID: "r-1"))
        #expect(machine.calls.count == 1 && machine.highestCallID == 3)

        guard
            case .answer(let frame, let record, let cancelTask, let close) = machine.callFinished(
                callID: 3, .success([1, 2]))
        else {
            Issue.record("no answer")
            return
        }
        #expect(
            frame.type == .response && frame.callID == 3 && frame.payload == [1, 2]
                && frame.metadata["x-request-id"] == "r-1")
        #expect(record.code == .ok && !cancelTask && !close)
        #expect(machine.calls.isEmpty)
        // A second outcome of the same call (after a cancel, say) sends nothing.
        #expect(machine.callFinished(callID: 3, .success([])) == .none)
    }

    @Test("call id 0 and a call id in flight are protocol violations that close the connection")
    func badCallIDs() {
        var machine = Self.machine()
        guard
            case .closeWithGoaway(let goaway) = machine.receivedRequest(
                Self.request(0), method: Self.method("Echo"), now: Self.start)
        else {
            Issue.record("call id 0 accepted")
            return
        }
        #expect(goaway.type == .goaway && goaway.status?.code == StatusCode.invalidArgument.rawValue)
        #expect(machine.isClosed)

        var other = Self.machine()
        _ = other.receivedRequest(Self.request(5), method: Self.method("Echo"), now: Self.start)
        guard
            case .closeWithGoaway(let again) = other.receivedRequest(
                Self.request(5), method: Self.method("Echo"), now: Self.start)
        else {
            Issue.record("a call id in flight was reused")
            return
        }
        #expect(again.metadata["last-call-id"] == "5")
    }

    @Test("call ids only increase: an id at or below the highest so far ends the connection, even after its call ended")
    func increasingCallIDs() {
        for reused: UInt32 in [7, 6] {
            var machine = Self.machine()
            _ = machine.receivedRequest(Self.request(7), method: Self.method("Echo"), now: Self.start)
            _ = machine.callFinished(callID: 7, .success([]))
            #expect(machine.calls.isEmpty)
            guard
                case .closeWithGoaway(let goaway) = machine.receivedRequest(
                    Self.request(reused), method: Self.method("Echo"), now: Self.start)
            else {
                Issue.record("call id \(reused) after 7 was accepted")
                continue
            }
            #expect(
                goaway.status?.code == StatusCode.invalidArgument.rawValue && goaway.metadata["last-call-id"] == "7")
            #expect(machine.isClosed)
        }
        var gaps = Self.machine()
        for id: UInt32 in [1, 2, 10, 1_000, UInt32.max] {
            guard case .start = gaps.receivedRequest(Self.request(id), method: Self.method("Echo"), now: Self.start)
            else {
                Issue.record("increasing id \(id) refused")
                return
            }
        }
    }

    @Test("at most maxStreamsPerConnection streams in flight: the next is TOO_MANY_STREAMS, unary calls still start")
    func streamsPerConnection() {
        var machine = Self.machine { $0.maxStreamsPerConnection = 3 }
        for id: UInt32 in 1...3 {
            guard
                case .start = machine.receivedRequest(
                    Self.request(id, "Watch"), method: Self.method("Watch", .serverStreaming), now: Self.start)
            else {
                Issue.record("stream \(id) refused")
                return
            }
        }
        guard
            case .refuse(let refused, let record) = machine.receivedRequest(
                Self.request(4, "Watch"), method: Self.method("Watch", .serverStreaming), now: Self.start)
        else {
            Issue.record("a fourth stream started")
            return
        }
        #expect(refused.type == .streamEnd && record.reason == "TOO_MANY_STREAMS")
        #expect(refused.status?.errorInfo?.metadata["max_streams"] == "3")
        guard case .start = machine.receivedRequest(Self.request(5), method: Self.method("Echo"), now: Self.start)
        else {
            Issue.record("a unary call was refused")
            return
        }
        _ = machine.receivedCancel(callID: 1)
        guard
            case .start = machine.receivedRequest(
                Self.request(6, "Watch"), method: Self.method("Watch", .serverStreaming), now: Self.start)
        else {
            Issue.record("a stream was refused after one ended")
            return
        }
    }

    @Test("refusals keep the connection: unknown method, metadata too large, too many calls in flight")
    func refusals() {
        var machine = Self.machine {
            $0.maxConcurrentCalls = 2
            $0.maxMetadataBytes = 256
        }
        guard
            case .refuse(let unknown, let record) = machine.receivedRequest(
                Self.request(1, "Nope"), method: nil, now: Self.start)
        else {
            Issue.record("unknown method started")
            return
        }
        #expect(
            unknown.status?.code == StatusCode.unimplemented.rawValue && record.reason == "UNKNOWN_METHOD"
                && record.startedAt == nil)

        let big = Self.request(2, metadata: ["x": String(repeating: "m", count: 300)])
        guard case .refuse(let tooBig, _) = machine.receivedRequest(big, method: Self.method("Echo"), now: Self.start)
        else {
            Issue.record("large metadata accepted")
            return
        }
        #expect(
            tooBig.status?.errorInfo?.reason == "METADATA_TOO_LARGE"
                && tooBig.status?.errorInfo?.metadata["field"] == "metadata")

        _ = machine.receivedRequest(Self.request(3), method: Self.method("Echo"), now: Self.start)
        _ = machine.receivedRequest(Self.request(4), method: Self.method("Echo"), now: Self.start)
        guard
            case .refuse(let excess, _) = machine.receivedRequest(
                Self.request(5), method: Self.method("Echo"), now: Self.start)
        else {
            Issue.record("a third concurrent call started")
            return
        }
        #expect(excess.status?.code == StatusCode.resourceExhausted.rawValue)
        #expect(!machine.isClosed && machine.calls.count == 2)
    }

    @Test("goaway: new calls are refused SERVER_DRAINING, the last call to end closes the connection")
    func draining() {
        var machine = Self.machine()
        _ = machine.receivedRequest(
            Self.request(1, "Watch"), method: Self.method("Watch", .serverStreaming), now: Self.start)
        guard case .sendGoaway(let goaway, let closeNow) = machine.beginGoaway() else {
            Issue.record("no goaway")
            return
        }
        #expect(goaway.metadata["last-call-id"] == "1" && goaway.status?.code == 0 && !closeNow)
        #expect(machine.beginGoaway() == .none)
        guard
            case .refuse(let late, _) = machine.receivedRequest(
                Self.request(2), method: Self.method("Echo"), now: Self.start)
        else {
            Issue.record("a call started while draining")
            return
        }
        #expect(late.status?.errorInfo?.reason == "SERVER_DRAINING")
        guard case .answer(let end, _, _, let close) = machine.callFinished(callID: 1, .success([])) else {
            Issue.record("the stream did not end")
            return
        }
        #expect(end.type == .streamEnd && close)

        var fresh = ConnectionStateMachine(limits: RPCServerLimits(), now: Self.start)
        #expect(fresh.beginGoaway() == .close, "before the preface is out, a frame would corrupt the stream")
    }

    @Test("cancel ends the call with CANCELLED and cancels its task; deadlines end the passed calls in id order")
    func cancelAndDeadlines() {
        var machine = Self.machine()
        _ = machine.receivedRequest(Self.request(1, timeoutMs: 100), method: Self.method("Echo"), now: Self.start)
        _ = machine.receivedRequest(Self.request(2, timeoutMs: 50), method: Self.method("Echo"), now: Self.start)
        _ = machine.receivedRequest(Self.request(3, timeoutMs: 500), method: Self.method("Echo"), now: Self.start)
        _ = machine.receivedRequest(
            Self.request(4, "Watch"), method: Self.method("Watch", .serverStreaming), now: Self.start)

        guard case .answer(let cancelled, _, let cancelTask, _) = machine.receivedCancel(callID: 4) else {
            Issue.record("cancel did nothing")
            return
        }
        #expect(cancelled.type == .streamEnd && cancelled.status?.code == StatusCode.cancelled.rawValue && cancelTask)
        #expect(machine.receivedCancel(callID: 4) == .none)

        let (ended, next) = machine.deadlinesPassed(now: Self.start + .milliseconds(100))
        let endedIDs = ended.compactMap { action -> UInt32? in
            guard case .answer(let frame, _, let cancelTask, _) = action, cancelTask,
                frame.status?.code == StatusCode.deadlineExceeded.rawValue
            else { return nil }
            return frame.callID
        }
        #expect(endedIDs == [1, 2])
        #expect(next == Self.start + .milliseconds(500))
        #expect(Array(machine.calls.keys) == [3])
        // The handler of an expired call may still report; nothing more is sent for it.
        #expect(machine.callFinished(callID: 1, .success([])) == .none)
    }

    @Test("idle: closes only after the whole timeout with no call in flight")
    func idle() {
        var machine = Self.machine { $0.idleTimeout = .seconds(1) }
        #expect(machine.idleCheck(now: Self.start + .milliseconds(400)) == .checkAgain(in: .milliseconds(600)))
        _ = machine.receivedRequest(Self.request(1, timeoutMs: 60_000), method: Self.method("Echo"), now: Self.start)
        #expect(machine.idleCheck(now: Self.start + .milliseconds(5_000)) == .checkAgain(in: .milliseconds(1_000)))
        _ = machine.callFinished(callID: 1, .success([]))
        machine.receivedFrame(now: Self.start + .milliseconds(5_000))
        #expect(machine.idleCheck(now: Self.start + .milliseconds(5_500)) == .checkAgain(in: .milliseconds(500)))
        guard case .closeWithGoaway(let goaway) = machine.idleCheck(now: Self.start + .milliseconds(6_000)) else {
            Issue.record("an idle connection stayed open")
            return
        }
        #expect(goaway.status?.code == 0 && machine.isClosed)
        #expect(machine.idleCheck(now: Self.start + .milliseconds(9_000)) == .none)
    }

    @Test("ping: answered with its payload; over 8 bytes closes the connection")
    func ping() {
        var machine = Self.machine()
        #expect(
            machine.receivedPing(Frame(callID: 0, type: .ping, payload: [1, 2, 3]))
                == .reply(Frame(callID: 0, type: .pong, payload: [1, 2, 3])))
        guard
            case .closeWithGoaway = machine.receivedPing(
                Frame(callID: 0, type: .ping, payload: Array(repeating: 0, count: 9)))
        else {
            Issue.record("a large ping was answered")
            return
        }
        #expect(machine.isClosed)
    }

    @Test("responses and stream messages over max_frame_bytes are refused; an ended call's stream is cancelled")
    func sizes() {
        var machine = Self.machine { $0.maxFrameBytes = 2_048 }
        _ = machine.receivedRequest(Self.request(1), method: Self.method("Echo"), now: Self.start)
        _ = machine.receivedRequest(
            Self.request(2, "Watch"), method: Self.method("Watch", .serverStreaming), now: Self.start)
        #expect(machine.streamMessageAllowed(callID: 2, payloadBytes: 100) == nil)
        #expect(machine.streamMessageAllowed(callID: 2, payloadBytes: 1_500)?.reason == "RESPONSE_TOO_LARGE")
        #expect(machine.streamMessageAllowed(callID: 9, payloadBytes: 1)?.code == .cancelled)
        guard
            case .answer(let frame, _, _, _) = machine.callFinished(
                callID: 1, .success(Array(repeating: 7, count: 1_500)))
        else {
            Issue.record("no answer")
            return
        }
        #expect(frame.status?.errorInfo?.reason == "RESPONSE_TOO_LARGE" && frame.payload.isEmpty)
        #expect(machine.channelInactive() == [2] && machine.isClosed)
    }
}
