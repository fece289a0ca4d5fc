import CareerAIProtoC

// Swift types for Proto/careerai/rpc/v1/frame.proto.

public struct FrameType: WireEnum, CustomStringConvertible {
    public var wireValue: Int32
    public init(wireValue: Int32) { self.wireValue = wireValue }

    public static let unspecified = FrameType(wireValue: 0)
    public static let request = FrameType(wireValue: 1)
    public static let response = FrameType(wireValue: 2)
    public static let streamMessage = FrameType(wireValue: 3)
    public static let streamEnd = FrameType(wireValue: 4)
    public static let cancel = FrameType(wireValue: 5)
    public static let ping = FrameType(wireValue: 6)
    public static let pong = FrameType(wireValue: 7)
    public static let goaway = FrameType(wireValue: 8)

    public var description: String {
        let names = ["UNSPECIFIED", "REQUEST", "RESPONSE", "STREAM_MESSAGE", "STREAM_END", "CANCEL", "PING", "PONG", "GOAWAY"]
        return names.indices.contains(Int(wireValue)) ? names[Int(wireValue)] : "FRAME_TYPE_\(wireValue)"
    }
}

public struct ErrorInfo: WireMessage {
    public var reason = ""
    public var metadata: [String: String] = [:]

    public init() {}
    public init(reason: String, metadata: [String: String] = [:]) {
        self.reason = reason
        self.metadata = metadata
    }

    public static let wireSchema = WireSchema<ErrorInfo>(careerai__rpc__v1__error_info__init, [
        .string(1, "reason", \.reason),
        .stringMap(2, "metadata", \.metadata),
    ])
}

public struct Status: WireMessage {
    public var code: Int32 = 0
    public var message = ""
    public var errorInfo: ErrorInfo?

    public init() {}
    public init(code: Int32, message: String = "", errorInfo: ErrorInfo? = nil) {
        self.code = code
        self.message = message
        self.errorInfo = errorInfo
    }

    public static let wireSchema = WireSchema<Status>(careerai__rpc__v1__status__init, [
        .int32(1, "code", \.code),
        .string(2, "message", \.message),
        .message(3, "error_info", \.errorInfo),
    ])
}

public struct Frame: WireMessage {
    public var callID: UInt32 = 0
    public var type: FrameType = .unspecified
    public var method = ""
    public var metadata: [String: String] = [:]
    public var timeoutMs: UInt32 = 0
    public var payload: [UInt8] = []
    public var status: Status?

    public init() {}
    public init(
        callID: UInt32, type: FrameType, method: String = "", metadata: [String: String] = [:],
        timeoutMs: UInt32 = 0, payload: [UInt8] = [], status: Status? = nil
    ) {
        self.callID = callID
        self.type = type
        self.method = method
        self.metadata = metadata
        self.timeoutMs = timeoutMs
        self.payload = payload
        self.status = status
    }

    public static let wireSchema = WireSchema<Frame>(careerai__rpc__v1__frame__init, [
        .uint32(1, "call_id", \.callID),
        .enumeration(2, "type", \.type),
        .string(3, "method", \.method),
        .stringMap(4, "metadata", \.metadata),
        .uint32(5, "timeout_ms", \.timeoutMs),
        .bytes(6, "payload", \.payload),
        .message(7, "status", \.status),
    ])
}
