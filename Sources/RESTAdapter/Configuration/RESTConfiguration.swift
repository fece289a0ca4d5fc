import Crypto
import Foundation
import RPCCore
import Settings

/// careerai-rest's settings, read and validated once at start like the server's: a bad value stops
/// the process with the variable's name and what is wrong.
public struct RESTConfiguration: Sendable {
    public var address: HostPort
    public var rpcTarget: HostPort
    /// The domain universities are subdomains of: `iitb.localhost` → `iitb`.
    public var baseDomain: String
    /// Connections to careerai-server the adapter multiplexes its calls over.
    public var rpcConnections: Int
    public var maxBodyBytes: Int
    /// The deadline of a call when the request sets none (`Grpc-Timeout` may shorten it).
    public var defaultDeadlineMs: UInt32
    /// Origins allowed to call cross-origin; empty: none (same origin only).
    public var corsOrigins: Set<String>
    /// Signs CSRF tokens and the Google state cookie. Random per process when not configured.
    public var secret: SymmetricKey
    public var keepAliveInterval: Duration
    public var maxConnections: Int
    /// Open connections one peer address may hold (0: no limit, for a deployment behind a proxy
    /// whose address every connection shares): one host must not take every connection.
    public var maxConnectionsPerPeer: Int
    /// A request (head and body) must arrive whole within this of the connection's start or of the
    /// previous answer's end; slow senders (slowloris) are closed.
    public var requestReadTimeout: Duration
    /// A connection with nothing read or written for this long is closed.
    public var idleTimeout: Duration
    public var logLevel: String

    public static let maxBodyLimitBytes = 4 * 1024 * 1024

    public init(settings: SettingsReader) throws(ConfigurationError) {
        let app = settings.scoped(to: "careerai")
        let rest = settings.scoped(to: "careerai.rest")
        let addressText = rest.string("addr") ?? "127.0.0.1:8080"
        guard let address = HostPort.parse(addressText, allowPortZero: true) else {
            throw ConfigurationError(
                rest.variableName("addr"), "'\(addressText)' is not host:port (e.g. 127.0.0.1:8080)")
        }
        self.address = address
        let targetText = settings.scoped(to: "careerai.rpc").string("target") ?? "127.0.0.1:7420"
        guard let target = HostPort.parse(targetText), target.port > 0 else {
            throw ConfigurationError(
                settings.scoped(to: "careerai.rpc").variableName("target"),
                "'\(targetText)' is not host:port (e.g. 127.0.0.1:7420)")
        }
        rpcTarget = target
        let domain = (app.string("baseDomain") ?? "localhost").lowercased()
        guard Self.isHostName(domain) else {
            throw ConfigurationError(
                app.variableName("baseDomain"), "'\(domain)' is not a DNS name (e.g. careerai.app)")
        }
        baseDomain = domain
        rpcConnections = try rest.integer("rpcConnections", default: 4, in: 1...64)
        maxBodyBytes = try rest.integer("maxBodyBytes", default: 256 * 1024, in: 1024...Self.maxBodyLimitBytes)
        defaultDeadlineMs = try rest.integer("deadlineMs", default: 30_000, in: 100...300_000)
        maxConnections = try rest.integer("maxConnections", default: 4096, in: 1...65_536)
        maxConnectionsPerPeer = try rest.integer("maxConnectionsPerPeer", default: 1024, in: 0...65_536)
        requestReadTimeout = try rest.duration(
            "requestReadTimeoutS", .seconds, default: .seconds(30), in: .seconds(1)...Duration.seconds(600))
        idleTimeout = try rest.duration(
            "idleTimeoutS", .seconds, default: .seconds(60), in: .seconds(1)...Duration.seconds(3600))
        keepAliveInterval = try rest.duration(
            "keepAliveS", .seconds, default: .seconds(15), in: .seconds(1)...Duration.seconds(300))
        var origins = Set<String>()
        for entry in (app.string("corsOrigins") ?? "").split(separator: ",") {
            let origin = entry.trimmingCharacters(in: .whitespaces)
            guard origin.hasPrefix("http://") || origin.hasPrefix("https://"), !origin.dropFirst(8).contains("/") else {
                throw ConfigurationError(
                    app.variableName("corsOrigins"), "'\(origin)' is not an origin (https://host[:port])")
            }
            origins.insert(origin.lowercased())
        }
        corsOrigins = origins
        if let text = rest.string("secret", isSecret: true) {
            guard text.utf8.count >= 32, text.utf8.count <= 256 else {
                throw ConfigurationError(
                    rest.variableName("secret"), "must be 32 to 256 characters (e.g. openssl rand -hex 32)")
            }
            secret = SymmetricKey(data: Array(text.utf8))
        } else {
            let production = (app.string("env") ?? "development") == "production"
            if production {
                throw ConfigurationError(
                    rest.variableName("secret"), "must be set in production (CSRF tokens must outlive a restart)")
            }
            secret = SymmetricKey(size: .bits256)
        }
        logLevel = (app.string("logLevel") ?? "info").lowercased()
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw ConfigurationError(
                app.variableName("logLevel"),
                "'\(logLevel)' is not trace, debug, info, notice, warning, error or critical")
        }
    }

    static func isHostName(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}
