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

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` (IPv6 as `[::1]:7420`).
    public init(target: String) throws(RPCError) {
        guard let (host, port) = Self.parseTarget(target) else {
            throw RPCError(.invalidArgument, "'\(target)' is not host:port", reason: "INVALID_TARGET")
        }
        self.init(host: host, port: port)
    }

    public static func parseTarget(_ target: String) -> (String, Int)? {
        guard let colon = target.lastIndex(of: ":"), colon != target.startIndex,
              let port = Int(target[target.index(after: colon)...]), (1...65_535).contains(port)
        else { return nil }
        var host = String(target[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, host.utf8.count <= 253 else { return nil }
        return (host, port)
    }
}
