import BoundedIO
import Contract
import Domain
import Foundation
import Logging
import Outbound
import Queue
import RPCCore
import RPCServer
import Settings
import Storage

/// careerai-server's configuration (the README's "Configuration"), validated as a whole at start. Each
/// component reads its own settings beside itself (`RPCServerLimits(settings:)`,
/// `DatabaseSettings(settings:)`, `QueueSettings(settings:)`, `SMTPMailer.Configuration.from(settings:)`,
/// `GoogleOAuthProvider.Configuration.from(settings:)`, `AuthSettings(settings:)`,
/// `WorkerSettings(settings:)`); this only composes them, reads the process-wide values, and checks
/// the rules that span components (production's refusals).
public struct ServerConfiguration: Sendable {
    public enum Environment: String, Sendable { case development, production }

    public var environment: Environment
    public var rpcHost: String
    public var rpcPort: Int
    public var rpcLimits: RPCServerLimits
    public var logLevel: Logger.Level
    public var database: DatabaseSettings
    public var queue: QueueSettings
    public var secret: String?
    /// Where development keeps its generated secret when CAREERAI_SECRET is unset.
    public var secretFile: String
    /// Set when CAREERAI_SMTP_URL is; nil means the console mailer.
    public var smtp: SMTPMailer.Configuration?
    public var auth: AuthSettings
    /// REST adapter addresses whose `x-forwarded-for` is believed.
    public var trustedProxies: Set<String>
    /// The model API, the models per tool, the retry policy and the PDF renderer.
    public var models: ModelSettings
    /// MOCK=1: the model is `MockLanguageModel` (fixtures), everything else is real.
    public var mock: Bool
    public var featureCosts: FeatureCosts
    /// MOCK's fault injection (tests): succeed (the real workflows), fail or hang.
    public var mockMode: FaultInjectionWorkflow.Mode
    /// Every run takes at least this long first (tests of workers dying mid-run; benchmarks).
    public var mockDelay: Duration
    public var worker: WorkerSettings
    /// Set when GOOGLE_CLIENT_ID is; nil means Google sign-in is off.
    public var google: GoogleOAuthProvider.Configuration?
    /// CAREERAI_METRICS_ADDR: where Prometheus text is served (`serve` and `worker`); nil: off.
    public var metricsAddress: HostPort?
    /// How often the database's gauges (runs by status, queue depth and age) are sampled.
    public var metricsSampleInterval = Duration.seconds(5)

    /// From environment variables (`values`: the process's, or a test's).
    public static func load(from values: [String: String]) throws(ConfigurationError) -> ServerConfiguration {
        try load(settings: .environment(values))
    }

    public static func load(settings: SettingsReader) throws(ConfigurationError) -> ServerConfiguration {
        let app = settings.scoped(to: "careerai")

        let environmentText = app.string("env") ?? "development"
        guard let environment = Environment(rawValue: environmentText) else {
            throw ConfigurationError(app.variableName("env"), "'\(environmentText)' is not development or production")
        }
        let addressText = app.string("rpc.addr") ?? "127.0.0.1:7420"
        guard let address = HostPort.parse(addressText, allowPortZero: true) else {
            throw ConfigurationError(
                app.variableName("rpc.addr"), "'\(addressText)' is not host:port (e.g. 127.0.0.1:7420)")
        }
        let rpcLimits = try RPCServerLimits(settings: settings)

        let logLevelText = app.string("logLevel") ?? "info"
        guard let logLevel = Logger.Level(rawValue: logLevelText.lowercased()) else {
            throw ConfigurationError(
                app.variableName("logLevel"),
                "'\(logLevelText)' is not trace, debug, info, notice, warning, error or critical")
        }
        let database = try DatabaseSettings(settings: settings)
        let queue = try QueueSettings(settings: settings)

        let secret = app.string("secret", isSecret: true)
        if let secret, secret.utf8.count < ServerSecret.minBytes || secret.utf8.count > ServerSecret.maxBytes {
            throw ConfigurationError(
                app.variableName("secret"),
                "must be \(ServerSecret.minBytes) to \(ServerSecret.maxBytes) characters (e.g. openssl rand -hex 32)")
        }
        let secretFile = app.string("secretFile") ?? "./careerai.secret"
        let smtp = try SMTPMailer.Configuration.from(settings: settings)
        let auth = try AuthSettings(settings: settings)
        var trustedProxies = Set<String>()
        for entry in (app.string("trustedProxies") ?? "").split(separator: ",") {
            let proxy = entry.trimmingCharacters(in: .whitespaces)
            guard isIPAddress(proxy) else {
                throw ConfigurationError(
                    app.variableName("trustedProxies"),
                    "'\(proxy)' is not an IP address (a comma-separated list of the REST adapters' addresses)")
            }
            trustedProxies.insert(IPAddressText.canonical(proxy))
        }

        let models = try ModelSettings(settings: settings)
        let mock = try settings.flag("mock") ?? (environment == .development && models.apiKey == nil)
        if !mock && models.apiKey == nil {
            throw ConfigurationError(settings.scoped(to: "openai").variableName("apiKey"), "must be set unless MOCK=1")
        }
        let featureCosts = try loadFeatureCosts(app)
        var metricsAddress: HostPort?
        if let text = app.string("metrics.addr") {
            guard let parsed = HostPort.parse(text, allowPortZero: true) else {
                throw ConfigurationError(
                    app.variableName("metrics.addr"), "'\(text)' is not host:port (e.g. 127.0.0.1:9464)")
            }
            metricsAddress = parsed
        }
        let metricsSampleInterval = try app.duration(
            "metrics.sampleMs", .milliseconds, default: .seconds(5),
            in: Duration.milliseconds(100)...Duration.seconds(600))
        let mockModeText = app.string("mockMode") ?? "succeed"
        guard let mockMode = FaultInjectionWorkflow.Mode(rawValue: mockModeText) else {
            throw ConfigurationError(app.variableName("mockMode"), "'\(mockModeText)' is not succeed, fail or hang")
        }
        let mockDelay = try app.duration(
            "mockDelayMs", .milliseconds, default: .zero, in: .zero...Duration.seconds(600))
        let worker = try WorkerSettings(settings: settings)
        let google = try GoogleOAuthProvider.Configuration.from(settings: settings)

        if environment == .production {
            if mock {
                throw ConfigurationError(
                    settings.variableName("mock"), "production refuses MOCK=1; set OPENAI_API_KEY and MOCK=0")
            }
            if secret == nil {
                throw ConfigurationError(
                    app.variableName("secret"), "production requires a secret; a generated one is for development only")
            }
            if smtp == nil {
                throw ConfigurationError(
                    app.variableName("smtpUrl"), "production requires SMTP; codes in the log are for development only")
            }
        }

        return ServerConfiguration(
            environment: environment, rpcHost: address.host, rpcPort: address.port, rpcLimits: rpcLimits,
            logLevel: logLevel, database: database, queue: queue, secret: secret, secretFile: secretFile, smtp: smtp,
            auth: auth, trustedProxies: trustedProxies, models: models, mock: mock, featureCosts: featureCosts,
            mockMode: mockMode, mockDelay: mockDelay, worker: worker,
            google: google, metricsAddress: metricsAddress, metricsSampleInterval: metricsSampleInterval)
    }

    /// The built-in price list, or `CAREERAI_FEATURE_COSTS`'s file (bounded, validated).
    static func loadFeatureCosts(_ app: SettingsReader) throws(ConfigurationError) -> FeatureCosts {
        guard let path = app.string("featureCosts") else { return .builtIn }
        let variable = app.variableName("featureCosts")
        let data: Data
        do {
            data = try BoundedFile.read(path, maxBytes: FeatureCosts.maxFileBytes)
        } catch .tooLarge {
            throw ConfigurationError(variable, "'\(path)' is larger than \(FeatureCosts.maxFileBytes) bytes")
        } catch {
            throw ConfigurationError(variable, "cannot read '\(path)'")
        }
        do {
            return try FeatureCosts(json: data)
        } catch {
            throw ConfigurationError(variable, "\(path): \(error)")
        }
    }

    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}
