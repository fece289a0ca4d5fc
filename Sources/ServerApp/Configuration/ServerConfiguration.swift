import BoundedIO
import Contract
import Domain
import Foundation
import Logging
import Outbound
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
    /// Where development keeps its generated secret when CAREERAI_SECRET is unset.
    public var secretFile: String
    /// Set when CAREERAI_SMTP_URL is; nil means the console mailer.
    public var smtp: SMTPMailer.Configuration?
    public var auth: AuthSettings
    /// REST adapter addresses whose `x-forwarded-for` is believed.
    public var trustedProxies: Set<String>
    public var openAIAPIKey: String?
    public var openAIBaseURL: String
    public var mock: Bool
    public var featureCosts: FeatureCosts
    /// MOCK workflows' behaviour (tests): succeed, fail or hang.
    public var mockMode: MockWorkflow.Mode
    /// MOCK workflows take this long (tests of workers dying mid-run; benchmarks).
    public var mockDelayMs: Int
    public var worker: WorkerSettings
    /// Set when GOOGLE_CLIENT_ID is; nil means Google sign-in is off.
    public var google: GoogleOAuthProvider.Configuration?

    public static func load(from values: [String: String]) throws(ConfigurationError) -> ServerConfiguration {
        let env = EnvironmentReader(values: values)

        let environmentText = env.string("CAREERAI_ENV") ?? "development"
        guard let environment = Environment(rawValue: environmentText) else {
            throw ConfigurationError("CAREERAI_ENV", "'\(environmentText)' is not development or production")
        }
        let (rpcHost, rpcPort) = try env.address("CAREERAI_RPC_ADDR", default: "127.0.0.1:7420")

        typealias Limits = RPCServerLimits
        var limits = Limits()
        limits.maxFrameBytes = try env.integer(
            "CAREERAI_RPC_MAX_FRAME_BYTES", default: limits.maxFrameBytes, in: Limits.maxFrameBytesRange)
        limits.maxConcurrentCalls = try env.integer(
            "CAREERAI_RPC_MAX_CONCURRENT_CALLS", default: limits.maxConcurrentCalls, in: Limits.maxConcurrentCallsRange)
        limits.maxMetadataBytes = try env.integer(
            "CAREERAI_RPC_MAX_METADATA_BYTES", default: limits.maxMetadataBytes, in: Limits.maxMetadataBytesRange)
        limits.idleTimeoutMs = try env.integer(
            "CAREERAI_RPC_IDLE_TIMEOUT_MS", default: limits.idleTimeoutMs, in: Limits.idleTimeoutMsRange)
        limits.handshakeTimeoutMs = try env.integer(
            "CAREERAI_RPC_HANDSHAKE_TIMEOUT_MS", default: limits.handshakeTimeoutMs, in: Limits.handshakeTimeoutMsRange)
        limits.defaultUnaryTimeoutMs = try env.integer(
            "CAREERAI_RPC_DEFAULT_TIMEOUT_MS", default: limits.defaultUnaryTimeoutMs,
            in: Limits.defaultUnaryTimeoutMsRange)
        limits.drainTimeoutMs = try env.integer(
            "CAREERAI_RPC_DRAIN_TIMEOUT_MS", default: limits.drainTimeoutMs, in: Limits.drainTimeoutMsRange)
        limits.maxConnections = try env.integer(
            "CAREERAI_RPC_MAX_CONNECTIONS", default: limits.maxConnections, in: Limits.maxConnectionsRange)
        limits.listenBacklog = try env.integer(
            "CAREERAI_RPC_LISTEN_BACKLOG", default: limits.listenBacklog, in: Limits.listenBacklogRange)
        // Each range is checked above; what is left is how the limits relate to one another.
        guard limits.maxMetadataBytes <= limits.maxFrameBytes else {
            throw ConfigurationError(
                "CAREERAI_RPC_MAX_METADATA_BYTES",
                "must not exceed CAREERAI_RPC_MAX_FRAME_BYTES (\(limits.maxFrameBytes))")
        }

        let logLevelText = env.string("CAREERAI_LOG_LEVEL") ?? "info"
        guard let logLevel = Logger.Level(rawValue: logLevelText.lowercased()) else {
            throw ConfigurationError(
                "CAREERAI_LOG_LEVEL", "'\(logLevelText)' is not trace, debug, info, notice, warning, error or critical")
        }

        let databaseURL = env.string("CAREERAI_DATABASE_URL") ?? "sqlite:./careerai.db"
        try validateDatabaseURL(databaseURL)
        let databaseMaxConnections = try env.integer("CAREERAI_DB_MAX_CONNECTIONS", default: 8, in: 1...200)
        let databaseStatementTimeoutMs = try env.integer(
            "CAREERAI_DB_STATEMENT_TIMEOUT_MS", default: 10_000, in: 100...600_000)
        let migrateOnStart = try env.flag("CAREERAI_MIGRATE_ON_START") ?? true
        let redisURL = try env.url("CAREERAI_REDIS_URL", schemes: ["redis"])
        let queueName = env.string("CAREERAI_QUEUE") ?? "careerai_queue"
        guard queueName.utf8.count <= 128,
            queueName.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-:.".contains($0)) })
        else {
            throw ConfigurationError("CAREERAI_QUEUE", "'\(queueName)' must be 1-128 letters, digits or _-:.")
        }

        let secret = env.string("CAREERAI_SECRET")
        if let secret, secret.utf8.count < ServerSecret.minBytes || secret.utf8.count > ServerSecret.maxBytes {
            throw ConfigurationError(
                "CAREERAI_SECRET",
                "must be \(ServerSecret.minBytes) to \(ServerSecret.maxBytes) characters (e.g. openssl rand -hex 32)")
        }
        let secretFile = env.string("CAREERAI_SECRET_FILE") ?? "./careerai.secret"
        let smtpURL = try env.url("CAREERAI_SMTP_URL", schemes: ["smtp", "smtps"])
        let mailFrom = env.string("CAREERAI_MAIL_FROM")
        var smtp: SMTPMailer.Configuration?
        if let smtpURL {
            guard let mailFrom else {
                throw ConfigurationError("CAREERAI_MAIL_FROM", "must be set when CAREERAI_SMTP_URL is")
            }
            do {
                smtp = try SMTPMailer.Configuration(url: smtpURL, from: mailFrom)
            } catch let error as DomainError {
                throw ConfigurationError(error.details["field"] ?? "CAREERAI_SMTP_URL", error.message)
            } catch {
                throw ConfigurationError("CAREERAI_SMTP_URL", "\(error)")
            }
        } else if let mailFrom, (try? EmailAddress.normalize(mailFrom)) == nil {
            throw ConfigurationError("CAREERAI_MAIL_FROM", "'\(mailFrom)' is not an email address")
        }

        var auth = AuthSettings()
        auth.otpTTLSeconds = try env.integer(
            "CAREERAI_OTP_TTL_S", default: auth.otpTTLSeconds, in: AuthSettings.otpTTLSecondsRange)
        auth.otpResendCooldownSeconds = try env.integer(
            "CAREERAI_OTP_RESEND_COOLDOWN_S", default: auth.otpResendCooldownSeconds,
            in: AuthSettings.otpResendCooldownSecondsRange)
        auth.otpMaxPerEmailPerHour = try env.integer(
            "CAREERAI_OTP_MAX_PER_EMAIL_PER_HOUR", default: auth.otpMaxPerEmailPerHour,
            in: AuthSettings.otpMaxPerEmailPerHourRange)
        auth.otpMaxPerAddressPerHour = try env.integer(
            "CAREERAI_OTP_MAX_PER_ADDRESS_PER_HOUR", default: auth.otpMaxPerAddressPerHour,
            in: AuthSettings.otpMaxPerAddressPerHourRange)
        auth.sessionTTLSeconds = try env.integer(
            "CAREERAI_SESSION_TTL_S", default: auth.sessionTTLSeconds, in: AuthSettings.sessionTTLSecondsRange)
        auth.sessionCacheMs = try env.integer(
            "CAREERAI_SESSION_CACHE_MS", default: auth.sessionCacheMs, in: AuthSettings.sessionCacheMsRange)
        var trustedProxies = Set<String>()
        for entry in (env.string("CAREERAI_TRUSTED_PROXIES") ?? "").split(separator: ",") {
            let address = entry.trimmingCharacters(in: .whitespaces)
            guard isIPAddress(address) else {
                throw ConfigurationError(
                    "CAREERAI_TRUSTED_PROXIES",
                    "'\(address)' is not an IP address (a comma-separated list of the REST adapters' addresses)")
            }
            trustedProxies.insert(address)
        }

        let openAIAPIKey = env.string("OPENAI_API_KEY")
        let openAIBaseURL =
            try env.url("CAREERAI_OPENAI_BASE_URL", schemes: ["http", "https"]) ?? "https://api.openai.com/v1"
        let mock = try env.flag("MOCK") ?? (environment == .development && openAIAPIKey == nil)
        if !mock && openAIAPIKey == nil {
            throw ConfigurationError("OPENAI_API_KEY", "must be set unless MOCK=1")
        }

        let featureCostsPath = env.string("CAREERAI_FEATURE_COSTS")
        var featureCosts = FeatureCosts.builtIn
        if let featureCostsPath {
            let data: Data
            do {
                data = try BoundedFile.read(featureCostsPath, maxBytes: FeatureCosts.maxFileBytes)
            } catch .tooLarge {
                throw ConfigurationError(
                    "CAREERAI_FEATURE_COSTS", "'\(featureCostsPath)' is larger than \(FeatureCosts.maxFileBytes) bytes")
            } catch {
                throw ConfigurationError("CAREERAI_FEATURE_COSTS", "cannot read '\(featureCostsPath)'")
            }
            do {
                featureCosts = try FeatureCosts(json: data)
            } catch {
                throw ConfigurationError("CAREERAI_FEATURE_COSTS", "\(featureCostsPath): \(error)")
            }
        }
        let mockModeText = env.string("CAREERAI_MOCK_MODE") ?? "succeed"
        guard let mockMode = MockWorkflow.Mode(rawValue: mockModeText) else {
            throw ConfigurationError("CAREERAI_MOCK_MODE", "'\(mockModeText)' is not succeed, fail or hang")
        }
        let mockDelayMs = try env.integer("CAREERAI_MOCK_DELAY_MS", default: 0, in: 0...600_000)
        var worker = WorkerSettings()
        worker.concurrency = try env.integer(
            "CAREERAI_WORKER_CONCURRENCY", default: worker.concurrency, in: RunWorker.concurrencyRange)
        worker.jobTimeoutMs = try env.integer(
            "CAREERAI_JOB_TIMEOUT_MS", default: worker.jobTimeoutMs, in: 100...3_600_000)
        worker.heartbeatMs = try env.integer("CAREERAI_HEARTBEAT_MS", default: worker.heartbeatMs, in: 50...600_000)
        worker.sweepIntervalMs = try env.integer(
            "CAREERAI_SWEEP_INTERVAL_MS", default: worker.sweepIntervalMs, in: 100...3_600_000)
        worker.requeueAfterSeconds = try env.integer(
            "CAREERAI_REQUEUE_AFTER_S", default: worker.requeueAfterSeconds, in: 1...86_400)
        worker.visibilityTimeoutSeconds = try env.integer(
            "CAREERAI_VISIBILITY_TIMEOUT_S", default: worker.visibilityTimeoutSeconds, in: 1...86_400)
        guard Int64(worker.heartbeatMs) < worker.visibilityTimeoutSeconds * 1000 else {
            throw ConfigurationError(
                "CAREERAI_HEARTBEAT_MS", "must be shorter than CAREERAI_VISIBILITY_TIMEOUT_S, or live runs look dead")
        }
        var google: GoogleOAuthProvider.Configuration?
        if let clientID = env.string("GOOGLE_CLIENT_ID") {
            guard let clientSecret = env.string("GOOGLE_CLIENT_SECRET") else {
                throw ConfigurationError("GOOGLE_CLIENT_SECRET", "must be set when GOOGLE_CLIENT_ID is")
            }
            var configuration = GoogleOAuthProvider.Configuration(clientID: clientID, clientSecret: clientSecret)
            configuration.tokenURL =
                try env.url("CAREERAI_GOOGLE_TOKEN_URL", schemes: ["http", "https"]) ?? configuration.tokenURL
            configuration.jwksURL =
                try env.url("CAREERAI_GOOGLE_JWKS_URL", schemes: ["http", "https"]) ?? configuration.jwksURL
            configuration.authorizationURL =
                try env.url("CAREERAI_GOOGLE_AUTH_URL", schemes: ["http", "https"]) ?? configuration.authorizationURL
            configuration.minimumJWKSRefetchSeconds = Double(
                try env.integer("CAREERAI_GOOGLE_JWKS_MIN_REFETCH_S", default: 10, in: 0...3600))
            google = configuration
        }

        if environment == .production {
            if mock { throw ConfigurationError("MOCK", "production refuses MOCK=1; set OPENAI_API_KEY and MOCK=0") }
            if secret == nil {
                throw ConfigurationError(
                    "CAREERAI_SECRET", "production requires a secret; a generated one is for development only")
            }
            if smtp == nil {
                throw ConfigurationError(
                    "CAREERAI_SMTP_URL", "production requires SMTP; codes in the log are for development only")
            }
        }

        return ServerConfiguration(
            environment: environment, rpcHost: rpcHost, rpcPort: rpcPort, rpcLimits: limits, logLevel: logLevel,
            databaseURL: databaseURL, databaseMaxConnections: databaseMaxConnections,
            databaseStatementTimeoutMs: databaseStatementTimeoutMs, migrateOnStart: migrateOnStart, redisURL: redisURL,
            queueName: queueName,
            secret: secret, secretFile: secretFile, smtp: smtp, auth: auth, trustedProxies: trustedProxies,
            openAIAPIKey: openAIAPIKey, openAIBaseURL: openAIBaseURL, mock: mock,
            featureCosts: featureCosts, mockMode: mockMode, mockDelayMs: mockDelayMs, worker: worker, google: google)
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
                throw ConfigurationError(
                    "CAREERAI_DATABASE_URL",
                    "'\(EnvironmentReader.redacted(url))' is not a postgres://user:pass@host:port/db URL")
            }
            return
        }
        throw ConfigurationError(
            "CAREERAI_DATABASE_URL", "'\(EnvironmentReader.redacted(url))' is neither sqlite:PATH nor postgres://…")
    }

    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}

/// The in-process worker and the sweeper.
public struct WorkerSettings: Sendable {
    public var concurrency = 4
    public var jobTimeoutMs = 120_000
    public var heartbeatMs = 5_000
    public var sweepIntervalMs = 5_000
    public var requeueAfterSeconds: Int64 = 30
    public var visibilityTimeoutSeconds: Int64 = 60

    public init() {}
}
