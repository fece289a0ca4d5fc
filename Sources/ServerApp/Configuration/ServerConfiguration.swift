import Foundation
import Logging
import RPCServer

/// careerai-server's configuration, read from the environment (DESIGN.md "Configuration") and
/// validated as a whole at start.
public struct ServerConfiguration: Sendable {
    public enum Environment: String, Sendable { case development, production }

    public var environment: Environment
    public var rpcHost: String
    public var rpcPort: Int
    public var rpcLimits: RPCServerLimits
    public var logLevel: Logger.Level
    public var databaseURL: String
    public var databaseMaxConnections: Int
    public var databaseStatementTimeoutMs: Int
    /// Apply pending migrations when `serve` starts (else run `careerai-server migrate` first).
    public var migrateOnStart: Bool
    public var redisURL: String?
    public var queueName: String
    public var secret: String?
    public var smtpURL: String?
    public var mailFrom: String?
    public var openAIAPIKey: String?
    public var openAIBaseURL: String
    public var mock: Bool
    public var featureCostsPath: String?
    public var googleClientID: String?
    public var googleClientSecret: String?
    public var googleTokenURL: String
    public var googleJWKSURL: String

    public static func load(from values: [String: String]) throws(ConfigurationError) -> ServerConfiguration {
        let env = EnvironmentReader(values: values)

        let environmentText = env.string("CAREERAI_ENV") ?? "development"
        guard let environment = Environment(rawValue: environmentText) else {
            throw ConfigurationError("CAREERAI_ENV", "'\(environmentText)' is not development or production")
        }
        let (rpcHost, rpcPort) = try env.address("CAREERAI_RPC_ADDR", default: "127.0.0.1:7420")

        typealias Limits = RPCServerLimits
        var limits = Limits()
        limits.maxFrameBytes = try env.integer("CAREERAI_RPC_MAX_FRAME_BYTES", default: limits.maxFrameBytes, in: Limits.maxFrameBytesRange)
        limits.maxConcurrentCalls = try env.integer("CAREERAI_RPC_MAX_CONCURRENT_CALLS", default: limits.maxConcurrentCalls, in: Limits.maxConcurrentCallsRange)
        limits.maxMetadataBytes = try env.integer("CAREERAI_RPC_MAX_METADATA_BYTES", default: limits.maxMetadataBytes, in: Limits.maxMetadataBytesRange)
        limits.idleTimeoutMs = try env.integer("CAREERAI_RPC_IDLE_TIMEOUT_MS", default: limits.idleTimeoutMs, in: Limits.idleTimeoutMsRange)
        limits.handshakeTimeoutMs = try env.integer("CAREERAI_RPC_HANDSHAKE_TIMEOUT_MS", default: limits.handshakeTimeoutMs, in: Limits.handshakeTimeoutMsRange)
        limits.defaultUnaryTimeoutMs = try env.integer("CAREERAI_RPC_DEFAULT_TIMEOUT_MS", default: limits.defaultUnaryTimeoutMs, in: Limits.defaultUnaryTimeoutMsRange)
        limits.drainTimeoutMs = try env.integer("CAREERAI_RPC_DRAIN_TIMEOUT_MS", default: limits.drainTimeoutMs, in: Limits.drainTimeoutMsRange)
        limits.maxConnections = try env.integer("CAREERAI_RPC_MAX_CONNECTIONS", default: limits.maxConnections, in: Limits.maxConnectionsRange)
        limits.listenBacklog = try env.integer("CAREERAI_RPC_LISTEN_BACKLOG", default: limits.listenBacklog, in: Limits.listenBacklogRange)
        // Each range is checked above; what is left is how the limits relate to one another.
        guard limits.maxMetadataBytes <= limits.maxFrameBytes else {
            throw ConfigurationError("CAREERAI_RPC_MAX_METADATA_BYTES", "must not exceed CAREERAI_RPC_MAX_FRAME_BYTES (\(limits.maxFrameBytes))")
        }

        let logLevelText = env.string("CAREERAI_LOG_LEVEL") ?? "info"
        guard let logLevel = Logger.Level(rawValue: logLevelText.lowercased()) else {
            throw ConfigurationError("CAREERAI_LOG_LEVEL", "'\(logLevelText)' is not trace, debug, info, notice, warning, error or critical")
        }

        let databaseURL = env.string("CAREERAI_DATABASE_URL") ?? "sqlite:./careerai.db"
        try validateDatabaseURL(databaseURL)
        let databaseMaxConnections = try env.integer("CAREERAI_DB_MAX_CONNECTIONS", default: 8, in: 1...200)
        let databaseStatementTimeoutMs = try env.integer("CAREERAI_DB_STATEMENT_TIMEOUT_MS", default: 10_000, in: 100...600_000)
        let migrateOnStart = try env.flag("CAREERAI_MIGRATE_ON_START") ?? true
        let redisURL = try env.url("CAREERAI_REDIS_URL", schemes: ["redis"])
        let queueName = env.string("CAREERAI_QUEUE") ?? "careerai_queue"
        guard queueName.utf8.count <= 128, queueName.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-:.".contains($0)) }) else {
            throw ConfigurationError("CAREERAI_QUEUE", "'\(queueName)' must be 1-128 letters, digits or _-:.")
        }

        let secret = env.string("CAREERAI_SECRET")
        if let secret, secret.utf8.count < 32 {
            throw ConfigurationError("CAREERAI_SECRET", "must be at least 32 characters (e.g. openssl rand -hex 32)")
        }
        let smtpURL = try env.url("CAREERAI_SMTP_URL", schemes: ["smtp", "smtps"])
        let mailFrom = env.string("CAREERAI_MAIL_FROM")
        if let mailFrom, !isPlausibleEmail(mailFrom) {
            throw ConfigurationError("CAREERAI_MAIL_FROM", "'\(mailFrom)' is not an email address")
        }
        if smtpURL != nil && mailFrom == nil {
            throw ConfigurationError("CAREERAI_MAIL_FROM", "must be set when CAREERAI_SMTP_URL is")
        }

        let openAIAPIKey = env.string("OPENAI_API_KEY")
        let openAIBaseURL = try env.url("CAREERAI_OPENAI_BASE_URL", schemes: ["http", "https"]) ?? "https://api.openai.com/v1"
        let mock = try env.flag("MOCK") ?? (environment == .development && openAIAPIKey == nil)
        if !mock && openAIAPIKey == nil {
            throw ConfigurationError("OPENAI_API_KEY", "must be set unless MOCK=1")
        }

        let featureCostsPath = env.string("CAREERAI_FEATURE_COSTS")
        if let featureCostsPath, !FileManager.default.isReadableFile(atPath: featureCostsPath) {
            throw ConfigurationError("CAREERAI_FEATURE_COSTS", "cannot read '\(featureCostsPath)'")
        }
        let googleTokenURL = try env.url("CAREERAI_GOOGLE_TOKEN_URL", schemes: ["http", "https"]) ?? "https://oauth2.googleapis.com/token"
        let googleJWKSURL = try env.url("CAREERAI_GOOGLE_JWKS_URL", schemes: ["http", "https"]) ?? "https://www.googleapis.com/oauth2/v3/certs"

        if environment == .production {
            if mock { throw ConfigurationError("MOCK", "production refuses MOCK=1; set OPENAI_API_KEY and MOCK=0") }
            if secret == nil { throw ConfigurationError("CAREERAI_SECRET", "production requires a secret; a generated one is for development only") }
            if smtpURL == nil { throw ConfigurationError("CAREERAI_SMTP_URL", "production requires SMTP; codes in the log are for development only") }
        }

        return ServerConfiguration(
            environment: environment, rpcHost: rpcHost, rpcPort: rpcPort, rpcLimits: limits, logLevel: logLevel,
            databaseURL: databaseURL, databaseMaxConnections: databaseMaxConnections,
            databaseStatementTimeoutMs: databaseStatementTimeoutMs, migrateOnStart: migrateOnStart, redisURL: redisURL, queueName: queueName, secret: secret,
            smtpURL: smtpURL, mailFrom: mailFrom, openAIAPIKey: openAIAPIKey, openAIBaseURL: openAIBaseURL,
            mock: mock, featureCostsPath: featureCostsPath,
            googleClientID: env.string("GOOGLE_CLIENT_ID"), googleClientSecret: env.string("GOOGLE_CLIENT_SECRET"),
            googleTokenURL: googleTokenURL, googleJWKSURL: googleJWKSURL)
    }

    static func validateDatabaseURL(_ url: String) throws(ConfigurationError) {
        if url.hasPrefix("sqlite:") {
            guard url.count > "sqlite:".count else {
                throw ConfigurationError("CAREERAI_DATABASE_URL", "'\(url)' names no file (e.g. sqlite:./careerai.db)")
            }
            return
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            guard let parsed = URLComponents(string: url), parsed.host?.isEmpty == false else {
                throw ConfigurationError("CAREERAI_DATABASE_URL", "'\(EnvironmentReader.redacted(url))' is not a postgres://user:pass@host:port/db URL")
            }
            return
        }
        throw ConfigurationError("CAREERAI_DATABASE_URL", "'\(EnvironmentReader.redacted(url))' is neither sqlite:PATH nor postgres://…")
    }

    static func isPlausibleEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && text.utf8.count <= 254
            && !text.contains(where: \.isWhitespace)
    }
}
