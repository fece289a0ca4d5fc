import Domain
import Foundation
import Outbound
import Settings

/// The models and the PDF renderer: `OPENAI_API_KEY`, `CAREERAI_OPENAI_BASE_URL` (https, or http to
/// a loopback host), `CAREERAI_OPENAI_TIMEOUT_MS`, `CAREERAI_OPENAI_CONNECT_TIMEOUT_MS`; per tool
/// `CAREERAI_MODEL_JOB_PACK_FREE`, `…_JOB_PACK_PRO`, `…_SKILL_MAPPER`, `…_INTERNSHIP_FINDER`, each
/// with `…_FALLBACK`; the retry policy `CAREERAI_MODEL_RETRY_BASE_MS`, `…_RETRY_MAX_MS`,
/// `…_MAX_RETRY_AFTER_MS`, `…_MAX_TOKENS`; `CAREERAI_WEASYPRINT`, `CAREERAI_PDF_TIMEOUT_MS`.
public struct ModelSettings: Sendable {
    public var apiKey: String?
    public var baseURL = "https://api.openai.com/v1"
    public var timeout = Duration.seconds(60)
    public var connectTimeout = Duration.seconds(10)
    public var roster = ModelRoster()
    public var policy = ModelCallPolicy()
    /// Nil: found at start (`WeasyPrintRenderer.locate`).
    public var weasyPrint: String?
    public var pdfTimeout = Duration.seconds(60)

    public init() {}

    init(settings root: SettingsReader) throws(ConfigurationError) {
        self.init()
        let app = root.scoped(to: "careerai")
        apiKey = root.scoped(to: "openai").string("apiKey", isSecret: true)
        if let url = try app.url("openaiBaseUrl", schemes: ["http", "https"]) {
            let components = URLComponents(string: url)
            let host = components?.host ?? ""
            guard components?.scheme?.lowercased() == "https" || ["127.0.0.1", "localhost", "::1"].contains(host) else {
                throw ConfigurationError(
                    app.variableName("openaiBaseUrl"), "must be https (http only to 127.0.0.1 or localhost)")
            }
            baseURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        }
        timeout = try app.duration(
            "openaiTimeoutMs", .milliseconds, default: timeout, in: Duration.milliseconds(100)...Duration.seconds(600))
        connectTimeout = try app.duration(
            "openaiConnectTimeoutMs", .milliseconds, default: connectTimeout,
            in: Duration.milliseconds(100)...Duration.seconds(60))

        let models = app.scoped(to: "model")
        func choice(_ key: String, _ current: ModelRoster.Choice) throws(ConfigurationError) -> ModelRoster.Choice {
            var choice = current
            for (field, isFallback) in [(key, false), (key + "Fallback", true)] {
                guard let name = models.string(field) else { continue }
                guard ModelRoster.isValidModelName(name) else {
                    throw ConfigurationError(
                        models.variableName(field), "'\(name.prefix(100))' is not a model name (e.g. gpt-4o-mini)")
                }
                if isFallback { choice.fallback = name } else { choice.primary = name }
            }
            return choice
        }
        roster.jobPackFree = try choice("jobPackFree", roster.jobPackFree)
        roster.jobPackPro = try choice("jobPackPro", roster.jobPackPro)
        roster.skillMapper = try choice("skillMapper", roster.skillMapper)
        roster.internshipFinder = try choice("internshipFinder", roster.internshipFinder)

        policy.initialBackoff = try models.duration(
            "retryBaseMs", .milliseconds, default: policy.initialBackoff, in: Duration.zero...Duration.seconds(60))
        policy.maxBackoff = try models.duration(
            "retryMaxMs", .milliseconds, default: policy.maxBackoff, in: Duration.zero...Duration.seconds(300))
        policy.maxRetryAfter = try models.duration(
            "maxRetryAfterMs", .milliseconds, default: policy.maxRetryAfter, in: Duration.zero...Duration.seconds(600))
        policy.maxCompletionTokens = try models.integer(
            "maxTokens", default: policy.maxCompletionTokens, in: 256...100_000)

        if let path = app.string("weasyprint") {
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw ConfigurationError(app.variableName("weasyprint"), "'\(path)' is not an executable file")
            }
            weasyPrint = path
        }
        pdfTimeout = try app.duration(
            "pdfTimeoutMs", .milliseconds, default: pdfTimeout, in: Duration.seconds(1)...Duration.seconds(600))
    }
}
