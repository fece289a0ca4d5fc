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

    /// The usable range of each limit, defined once: the server checks them here, and the
    /// configuration reads each variable against the same range.
    public static let maxFrameBytesRange = 1024...(64 * 1024 * 1024)
    public static let maxConcurrentCallsRange = 1...100_000
    public static let maxMetadataBytesRange = 256...(1024 * 1024)
    public static let idleTimeoutMsRange: ClosedRange<Int64> = 100...86_400_000
    public static let handshakeTimeoutMsRange: ClosedRange<Int64> = 10...600_000
    public static let defaultUnaryTimeoutMsRange: ClosedRange<Int64> = 1...3_600_000
    public static let drainTimeoutMsRange: ClosedRange<Int64> = 0...600_000
    public static let maxConnectionsRange = 1...1_000_000
    public static let listenBacklogRange: ClosedRange<Int32> = 1...65_535

    /// A description of the first limit that is out of range, or nil when all are usable.
    public func validationProblem() -> String? {
        func outside<T: Comparable>(_ value: T, _ range: ClosedRange<T>, _ name: String) -> String? {
            range.contains(value) ? nil : "\(name) must be \(range.lowerBound)...\(range.upperBound)"
        }
        let problems: [String?] = [
            outside(maxFrameBytes, Self.maxFrameBytesRange, "max frame bytes"),
            outside(maxConcurrentCalls, Self.maxConcurrentCallsRange, "max concurrent calls"),
            outside(maxMetadataBytes, Self.maxMetadataBytesRange, "max metadata bytes"),
            maxMetadataBytes <= maxFrameBytes ? nil : "max metadata bytes must not exceed max frame bytes",
            outside(idleTimeoutMs, Self.idleTimeoutMsRange, "idle timeout ms"),
            outside(handshakeTimeoutMs, Self.handshakeTimeoutMsRange, "handshake timeout ms"),
            outside(defaultUnaryTimeoutMs, Self.defaultUnaryTimeoutMsRange, "default unary timeout ms"),
            outside(drainTimeoutMs, Self.drainTimeoutMsRange, "drain timeout ms"),
            outside(maxConnections, Self.maxConnectionsRange, "max connections"),
            outside(listenBacklog, Self.listenBacklogRange, "listen backlog"),
        ]
        return problems.compactMap { $0 }.first
    }
}
