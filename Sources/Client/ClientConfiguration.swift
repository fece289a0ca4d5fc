import RPCCore

/// How a `CareerAIClient` reaches and talks to a server.
public struct ClientConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Metadata sent with every call (e.g. `x-tenant`, `authorization`); per-call metadata wins.
    public var defaultMetadata: [String: String] = [:]
    /// Deadline for a unary call that names none. Streams have none unless the call sets one.
    public var defaultUnaryTimeoutMs: UInt32 = 30_000
    public var connectTimeoutMs: Int64 = 5_000
    /// Largest frame we accept from the server; larger ones end the connection.
    public var maxFrameBytes = ProtocolDefaults.maxFrameBytes
    /// Calls one connection carries before new calls go to a new one. Call ids only increase on a
    /// connection (docs/PROTOCOL.md), so it must be retired before they could wrap.
    public var maxCallsPerConnection: UInt32 = UInt32.max - 1_024

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` (IPv6 as `[::1]:7420`).
    public init(target: String) throws(RPCError) {
        guard let parsed = HostPort.parse(target) else {
            throw RPCError(.invalidArgument, "'\(target)' is not host:port", reason: .invalidTarget)
        }
        self.init(host: parsed.host, port: parsed.port)
    }
}
