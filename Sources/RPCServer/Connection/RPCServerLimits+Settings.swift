import Settings

extension RPCServerLimits {
    /// The limits from `careerai.rpc.*` (`CAREERAI_RPC_MAX_FRAME_BYTES`, `CAREERAI_RPC_MAX_CONCURRENT_CALLS`,
    /// `CAREERAI_RPC_MAX_METADATA_BYTES`, `CAREERAI_RPC_MAX_METADATA_ENTRIES`, `CAREERAI_RPC_IDLE_TIMEOUT_MS`, `CAREERAI_RPC_HANDSHAKE_TIMEOUT_MS`,
    /// `CAREERAI_RPC_DEFAULT_TIMEOUT_MS`, `CAREERAI_RPC_DRAIN_TIMEOUT_MS`, `CAREERAI_RPC_MAX_QUEUED_OUTBOUND_BYTES`,
    /// `CAREERAI_RPC_MAX_CONNECTIONS`, `CAREERAI_RPC_MAX_CONNECTIONS_PER_ADDRESS`, `CAREERAI_RPC_MAX_STREAMS_PER_CONNECTION`,
    /// `CAREERAI_RPC_LISTEN_BACKLOG`); each unset one keeps its default.
    public init(settings root: SettingsReader) throws(ConfigurationError) {
        let settings = root.scoped(to: "careerai.rpc")
        self.init()
        maxFrameBytes = try settings.integer("maxFrameBytes", default: maxFrameBytes, in: Self.maxFrameBytesRange)
        maxConcurrentCalls = try settings.integer(
            "maxConcurrentCalls", default: maxConcurrentCalls, in: Self.maxConcurrentCallsRange)
        maxMetadataBytes = try settings.integer(
            "maxMetadataBytes", default: maxMetadataBytes, in: Self.maxMetadataBytesRange)
        maxMetadataEntries = try settings.integer(
            "maxMetadataEntries", default: maxMetadataEntries, in: Self.maxMetadataEntriesRange)
        idleTimeout = try settings.duration(
            "idleTimeoutMs", .milliseconds, default: idleTimeout, in: Self.idleTimeoutRange)
        handshakeTimeout = try settings.duration(
            "handshakeTimeoutMs", .milliseconds, default: handshakeTimeout, in: Self.handshakeTimeoutRange)
        defaultUnaryTimeout = try settings.duration(
            "defaultTimeoutMs", .milliseconds, default: defaultUnaryTimeout, in: Self.defaultUnaryTimeoutRange)
        drainTimeout = try settings.duration(
            "drainTimeoutMs", .milliseconds, default: drainTimeout, in: Self.drainTimeoutRange)
        maxQueuedOutboundBytes = try settings.integer(
            "maxQueuedOutboundBytes", default: maxQueuedOutboundBytes, in: Self.maxQueuedOutboundBytesRange)
        maxConnections = try settings.integer("maxConnections", default: maxConnections, in: Self.maxConnectionsRange)
        maxConnectionsPerAddress = try settings.integer(
            "maxConnectionsPerAddress", default: maxConnectionsPerAddress, in: Self.maxConnectionsPerAddressRange)
        maxStreamsPerConnection = try settings.integer(
            "maxStreamsPerConnection", default: maxStreamsPerConnection, in: Self.maxStreamsPerConnectionRange)
        listenBacklog = try settings.integer("listenBacklog", default: listenBacklog, in: Self.listenBacklogRange)
        // Each range is checked above; what is left is how the limits relate to one another.
        guard maxMetadataBytes <= maxFrameBytes else {
            throw ConfigurationError(
                settings.variableName("maxMetadataBytes"),
                "must not exceed \(settings.variableName("maxFrameBytes")) (\(maxFrameBytes))")
        }
    }
}
