import Foundation
import Settings

/// Which database, and how the process uses it: `CAREERAI_DATABASE_URL` (`sqlite:PATH` or
/// `postgres://…`), `CAREERAI_DB_MAX_CONNECTIONS`, `CAREERAI_DB_STATEMENT_TIMEOUT_MS`,
/// `CAREERAI_MIGRATE_ON_START`.
public struct DatabaseSettings: Sendable {
    public var url = "sqlite:./careerai.db"
    public var postgres = PostgresDatabase.Limits()
    /// Apply pending migrations when `serve` starts (else run `careerai-server migrate` first).
    public var migrateOnStart = true

    public init() {}

    public init(settings root: SettingsReader) throws(ConfigurationError) {
        let settings = root.scoped(to: "careerai")
        self.init()
        url = settings.string("databaseUrl", isSecret: true) ?? url
        try Self.validate(url: url, variable: settings.variableName("databaseUrl"))
        let db = settings.scoped(to: "db")
        postgres.maxConnections = try db.integer("maxConnections", default: postgres.maxConnections, in: 1...200)
        postgres.statementTimeout = try db.duration(
            "statementTimeoutMs", .milliseconds, default: postgres.statementTimeout,
            in: Duration.milliseconds(100)...Duration.seconds(600))
        migrateOnStart = try settings.flag("migrateOnStart") ?? migrateOnStart
    }

    static func validate(url: String, variable: String) throws(ConfigurationError) {
        if url.hasPrefix("sqlite:") {
            guard url.count > "sqlite:".count else {
                throw ConfigurationError(variable, "'\(url)' names no file (e.g. sqlite:./careerai.db)")
            }
            return
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            guard let parsed = URLComponents(string: url), parsed.host?.isEmpty == false else {
                throw ConfigurationError(
                    variable, "'\(SettingsReader.redacted(url))' is not a postgres://user:pass@host:port/db URL")
            }
            return
        }
        throw ConfigurationError(variable, "'\(SettingsReader.redacted(url))' is neither sqlite:PATH nor postgres://…")
    }
}
