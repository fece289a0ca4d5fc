import Logging
import NIOCore
import NIOPosix
import RPCCore
import Synchronization

/// The CareerAI RPC server: accepts TCP connections and speaks docs/PROTOCOL.md on each.
public final class RPCServer: Sendable {
    public let limits: RPCServerLimits
    public let health: HealthStatus
    private let router: RPCRouter
    private let logger: Logger
    private let group: any EventLoopGroup
    private let connections = ConnectionRegistry()
    private let listener = Mutex<(any Channel)?>(nil)
    private let exemptAddresses: Set<String>
    /// Refused connections are logged once per address per interval, not once per attempt: a flood
    /// of refusals must not become a flood of log lines.
    private let refusals = RefusalLog(interval: .seconds(10))
    private let metrics: RPCMetrics

    /// - Parameter exemptAddresses: client addresses the per-address connection limit does not apply to
    ///   (the REST adapters, which carry many users each).
    public init(
        router: RPCRouter, limits: RPCServerLimits = RPCServerLimits(), health: HealthStatus,
        exemptAddresses: Set<String> = [],
        logger: Logger, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        if let problem = limits.validationProblem() { preconditionFailure("invalid RPC limits: \(problem)") }
        self.router = router
        metrics = RPCMetrics(knownPaths: Set(router.methods.keys))
        self.limits = limits
        self.health = health
        self.logger = logger
        self.group = group
        self.exemptAddresses = Set(exemptAddresses.map(IPAddressText.canonical))
    }

    /// Binds and starts accepting; returns the bound address (useful with port 0).
    public func start(host: String, port: Int) async throws -> SocketAddress {
        let limits = self.limits
        let router = self.router
        let logger = self.logger
        let connections = self.connections
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: limits.listenBacklog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            // Not writable past the high mark: BackPressureHandler then stops reading the peer.
            .childChannelOption(
                .writeBufferWaterMark,
                value: .init(low: limits.maxQueuedOutboundBytes / 2, high: limits.maxQueuedOutboundBytes)
            )
            .childChannelInitializer { [refusals, exemptAddresses, metrics] channel in
                // Canonical: a dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d.
                let address = channel.remoteAddress?.ipAddress.map(IPAddressText.canonical)
                // The REST adapters carry many users each: the per-address limit is for direct clients.
                let perAddress =
                    address.map { exemptAddresses.contains($0) } == true ? Int.max : limits.maxConnectionsPerAddress
                // One IPv6 host holds a whole /64: the limit counts the prefix, not each address in it.
                guard
                    let events = connections.admit(
                        address: address.map(IPAddressText.limitKey), maxPerAddress: perAddress,
                        maxTotal: limits.maxConnections)
                else {
                    metrics.connectionRefused()
                    refusals.note(address ?? "?") {
                        logger.warning(
                            "refusing connections",
                            metadata: [
                                "peer": "\(address ?? "?")", "max_connections": "\(limits.maxConnections)",
                                "max_connections_per_address": "\(limits.maxConnectionsPerAddress)",
                                "refused_since_last_line": "\($0)",
                            ])
                    }
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture {
                    try Self.addHandlers(
                        to: channel.pipeline.syncOperations, router: router, limits: limits,
                        logger: logger, events: events, metrics: metrics)
                }
            }
            .bind(host: host, port: port)
            .get()
        listener.withLock { $0 = channel }
        guard let address = channel.localAddress else { throw RPCServerError.noLocalAddress }
        logger.info(
            "listening",
            metadata: ["address": "\(RPCConnectionHandler.describe(address))", "methods": "\(router.methods.count)"])
        return address
    }

    /// The pipeline of one server connection, head to tail: backpressure (no reads while the peer has
    /// `maxQueuedOutboundBytes` of answers unread), preface, frame decoder, frame encoder, calls.
    static func addHandlers(
        to pipeline: ChannelPipeline.SynchronousOperations, router: RPCRouter, limits: RPCServerLimits,
        logger: Logger, events: ConnectionEvents, metrics: RPCMetrics? = nil
    ) throws {
        try pipeline.addHandler(BackPressureHandler())
        try pipeline.addHandler(ServerPrefaceHandler(handshakeTimeout: limits.handshakeTimeout, logger: logger))
        try pipeline.addHandler(
            ByteToMessageHandler(
                FrameDecoder(maxFrameBytes: limits.maxFrameBytes, maxMetadataEntries: limits.maxMetadataEntries)))
        try pipeline.addHandler(MessageToByteHandler(FrameEncoder()))
        try pipeline.addHandler(
            RPCConnectionHandler(
                router: router, limits: limits, logger: logger, events: events,
                metrics: metrics ?? RPCMetrics(knownPaths: Set(router.methods.keys))))
    }

    public var openConnections: Int { connections.count }

    /// Every method this server routes.
    public var methods: [AnyMethodDescriptor] { router.methods.values.map(\.descriptor) }

    /// Graceful shutdown: NOT_SERVING, stop accepting, GOAWAY to every connection, let calls in flight
    /// finish for at most `limits.drainTimeout`, then close whatever is left.
    public func drain() async {
        health.setFinal(.notServing)
        let channel = listener.withLock { channel in
            defer { channel = nil }
            return channel
        }
        try? await channel?.close()
        logger.info(
            "draining",
            metadata: ["connections": "\(connections.count)", "drain_timeout": "\(limits.drainTimeout)"])
        connections.goawayAll()
        let connections = self.connections
        let drained = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await connections.waitUntilEmpty()
                return true
            }
            group.addTask { [limits, logger] in
                do {
                    try await Task.sleep(for: limits.drainTimeout)
                } catch {
                    return true  // cancelled: every connection closed in time
                }
                logger.warning(
                    "drain timeout passed; closing connections with calls in flight",
                    metadata: ["connections": "\(connections.count)"])
                connections.closeAll()
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        logger.info("drained", metadata: ["graceful": "\(drained)"])
    }
}

public enum RPCServerError: Error, CustomStringConvertible {
    case noLocalAddress

    public var description: String { "the listening socket has no local address" }
}
