import RPCCore

/// Every bound the server puts on a client, in one place. Units are in the names.
public struct RPCServerLimits: Sendable, Equatable {
    /// Largest frame either side may send (PROTOCOL.md `max_frame_bytes`).
    public var maxFrameBytes = ProtocolDefaults.maxFrameBytes
    /// Calls in flight on one connection; the excess is answered RESOURCE_EXHAUSTED.
    public var maxConcurrentCalls = ProtocolDefaults.maxConcurrentCalls
    /// Keys plus values of one frame's metadata.
    public var maxMetadataBytes = ProtocolDefaults.maxMetadataBytes
    /// A connection with no frame from the client and no call in flight for this long is closed.
    public var idleTimeoutMs: Int64 = ProtocolDefaults.idleTimeoutMs
    /// Time a new connection has to send its 8-byte preface.
    public var handshakeTimeoutMs: Int64 = 10_000
    /// Deadline of a unary call whose `timeout_ms` is 0. Streams without one run until cancelled.
    public var defaultUnaryTimeoutMs: Int64 = 30_000
    /// How long a graceful shutdown waits for calls in flight before closing anyway.
    public var drainTimeoutMs: Int64 = 10_000
    /// Open connections the server accepts at once; more are closed on arrival.
    public var maxConnections = 4_096
    /// Connections the kernel queues before we accept them (capped by net.core.somaxconn); a full
    /// queue drops SYNs, which clients feel as a one-second connect stall.
    public var listenBacklog: Int32 = 1_024

    public init() {}

    /// A description of the first limit that is out of range, or nil when all are usable.
    public func validationProblem() -> String? {
        if maxFrameBytes < 1024 || maxFrameBytes > 64 * 1024 * 1024 { return "max frame bytes must be 1024...67108864" }
        if maxConcurrentCalls < 1 || maxConcurrentCalls > 100_000 { return "max concurrent calls must be 1...100000" }
        if maxMetadataBytes < 256 || maxMetadataBytes > maxFrameBytes { return "max metadata bytes must be 256...max frame bytes" }
        if idleTimeoutMs < 100 { return "idle timeout must be at least 100 ms" }
        if handshakeTimeoutMs < 10 { return "handshake timeout must be at least 10 ms" }
        if defaultUnaryTimeoutMs < 1 { return "default unary timeout must be at least 1 ms" }
        if drainTimeoutMs < 0 { return "drain timeout must not be negative" }
        if maxConnections < 1 { return "max connections must be at least 1" }
        if listenBacklog < 1 { return "listen backlog must be at least 1" }
        return nil
    }
}
