import Logging
import NIOCore

/// What a handler knows about the call it serves.
public struct RPCContext: Sendable {
    /// `/careerai.v1.<Service>/<Method>`.
    public let method: String
    public let callID: UInt32
    /// Request metadata, lowercase keys (docs/PROTOCOL.md).
    public let metadata: [String: String]
    /// When the server gives up on the call; the handler's task is cancelled then.
    public let deadline: NIODeadline?

    /// What is left of the call's deadline (nil: none), for handlers that bound their own work by it.
    public var timeRemaining: Duration? {
        deadline.map { .nanoseconds(max(0, ($0 - .now()).nanoseconds)) }
    }
    /// Echoed to the client as `x-request-id` and attached to every log line of the call.
    public let requestID: String
    /// The TCP peer, `ip:port`, or nil when unknown.
    public let peerAddress: String?
    /// What interceptors attached to the call (e.g. the signed-in caller).
    public var values = RPCContextValues()
    /// Added to every line of `logger` (e.g. `user_id`, set by the interceptor that signs the caller in).
    public var loggerMetadata: Logger.Metadata = [:]
    private let baseLogger: Logger

    /// The server's logger with this call's `request_id` attached. Built on use: most calls never log,
    /// and a per-call metadata dictionary is not free.
    public var logger: Logger {
        var logger = baseLogger
        logger[metadataKey: "request_id"] = .string(requestID)
        for (key, value) in loggerMetadata { logger[metadataKey: key] = value }
        return logger
    }

    public init(
        method: String, callID: UInt32, metadata: [String: String], deadline: NIODeadline?,
        requestID: String, peerAddress: String?, logger: Logger
    ) {
        self.method = method
        self.callID = callID
        self.metadata = metadata
        self.deadline = deadline
        self.requestID = requestID
        self.peerAddress = peerAddress
        self.baseLogger = logger
    }
}
