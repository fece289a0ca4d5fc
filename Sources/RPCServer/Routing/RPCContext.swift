import Domain
import Logging
import NIOCore

/// What a handler knows about the call it serves.
public struct RPCContext: Sendable {
    /// `/careerai.v1.<Service>/<Method>`.
    public let method: String
    public let callID: UInt32
    /// Request metadata, lowercase keys (PROTOCOL.md).
    public let metadata: [String: String]
    /// When the server gives up on the call; the handler's task is cancelled then.
    public let deadline: NIODeadline?
    /// Echoed to the client as `x-request-id` and attached to every log line of the call.
    public let requestID: String
    /// The TCP peer, `ip:port`, or nil when unknown.
    public let peerAddress: String?
    /// The signed-in caller; set by the router for every method that is not public.
    public internal(set) var principal: Principal?
    private let baseLogger: Logger

    /// The server's logger with this call's `request_id` attached. Built on use: most calls never log,
    /// and a per-call metadata dictionary is not free.
    public var logger: Logger {
        var logger = baseLogger
        logger[metadataKey: "request_id"] = .string(requestID)
        if let principal { logger[metadataKey: "user_id"] = .string(principal.user.id) }
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

extension RPCContext {
    /// The principal of a method that is not public (the router has set it); a bug otherwise.
    public func requirePrincipal() throws -> Principal {
        guard let principal else {
            throw DomainError(.internal, reason: "ACCESS_NOT_DECLARED", "\(method) reads the caller but is declared public")
        }
        return principal
    }
}
