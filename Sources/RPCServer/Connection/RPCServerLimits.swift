import RPCCore

/// Every bound the server puts on a client, in one place. Units are in the names or the types.
public struct RPCServerLimits: Sendable, Equatable {
    /// Largest frame either side may send (docs/PROTOCOL.md `max_frame_bytes`).
    public var maxFrameBytes = ProtocolDefaults.maxFrameBytes
    /// Calls in flight on one connection; the excess is answered RESOURCE_EXHAUSTED.
    public var maxConcurrentCalls = ProtocolDefaults.maxConcurrentCalls
    /// Entries of one frame's metadata; checked on the wire, before any entry is decoded.
    public var maxMetadataEntries = ProtocolDefaults.maxMetadataEntries
    /// Keys plus values of one frame's metadata.
    public var maxMetadataBytes = ProtocolDefaults.maxMetadataBytes
    /// A connection with no frame from the client and no call in flight for this long is closed.
    public var idleTimeout = Duration.milliseconds(ProtocolDefaults.idleTimeoutMs)
    /// Time a new connection has to send its 8-byte preface, counted from the accept: bytes that
    /// trickle in do not extend it.
    public var handshakeTimeout = Duration.seconds(3)
    /// Deadline of a unary call whose `timeout_ms` is 0. Streams without one run until cancelled.
    public var defaultUnaryTimeout = Duration.seconds(30)
    /// How long a graceful shutdown waits for calls in flight before closing anyway.
    public var drainTimeout = Duration.seconds(10)
    /// Answers queued for a connection whose peer does not read, before the server stops reading
    /// from it (until the peer reads again): a client that never reads cannot make the server buffer.
    public var maxQueuedOutboundBytes = 4 * 1024 * 1024
    /// Open connections the server accepts at once; more are closed on arrival.
    public var maxConnections = 4_096
    /// Open connections from one client address (the server's exempt addresses, its REST adapters,
    /// excepted), so that one host cannot take every slot.
    public var maxConnectionsPerAddress = 64
    /// Server-streaming calls in flight on one connection (each may last for ever, e.g. Watch).
    public var maxStreamsPerConnection = 16
    /// Connections the kernel queues before we accept them (capped by net.core.somaxconn); a full
    /// queue drops SYNs, which clients feel as a one-second connect stall.
    public var listenBacklog: Int32 = 1_024

    public init() {}

    /// The usable range of each limit, defined once: the server checks them here, and the settings
    /// reader reads each variable against the same range.
    public static let maxFrameBytesRange = 1024...(64 * 1024 * 1024)
    public static let maxConcurrentCallsRange = 1...100_000
    public static let maxMetadataBytesRange = 256...(1024 * 1024)
    public static let maxMetadataEntriesRange = 1...10_000
    public static let idleTimeoutRange = Duration.milliseconds(100)...Duration.seconds(86_400)
    public static let handshakeTimeoutRange = Duration.milliseconds(10)...Duration.seconds(600)
    public static let defaultUnaryTimeoutRange = Duration.milliseconds(1)...Duration.seconds(3_600)
    public static let drainTimeoutRange = Duration.zero...Duration.seconds(600)
    public static let maxQueuedOutboundBytesRange = (64 * 1024)...(256 * 1024 * 1024)
    public static let maxConnectionsRange = 1...1_000_000
    public static let maxConnectionsPerAddressRange = 1...1_000_000
    public static let maxStreamsPerConnectionRange = 1...100_000
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
            outside(maxMetadataEntries, Self.maxMetadataEntriesRange, "max metadata entries"),
            maxMetadataBytes <= maxFrameBytes ? nil : "max metadata bytes must not exceed max frame bytes",
            outside(idleTimeout, Self.idleTimeoutRange, "idle timeout"),
            outside(handshakeTimeout, Self.handshakeTimeoutRange, "handshake timeout"),
            outside(defaultUnaryTimeout, Self.defaultUnaryTimeoutRange, "default unary timeout"),
            outside(drainTimeout, Self.drainTimeoutRange, "drain timeout"),
            outside(maxQueuedOutboundBytes, Self.maxQueuedOutboundBytesRange, "max queued outbound bytes"),
            outside(maxConnections, Self.maxConnectionsRange, "max connections"),
            outside(maxConnectionsPerAddress, Self.maxConnectionsPerAddressRange, "max connections per address"),
            outside(maxStreamsPerConnection, Self.maxStreamsPerConnectionRange, "max streams per connection"),
            outside(listenBacklog, Self.listenBacklogRange, "listen backlog"),
        ]
        return problems.compactMap { $0 }.first
    }
}
