import Domain
import Foundation
import Queue
import RPCServer
import ServerApp
import Settings
import Storage
import Testing

@Suite("Configuration: each component reads its own settings through swift-configuration")
struct ConfigurationTests {
    @Test("a key's variable name is the one the environment provider reads")
    func variableNames() throws {
        let keys = [
            ("careerai.rpc", "maxFrameBytes"), ("careerai", "databaseUrl"), ("careerai.google", "jwksMinRefetchS"),
            ("careerai", "openaiBaseUrl"), ("careerai.otp", "maxPerAddressPerHour"), ("openai", "apiKey"),
            ("careerai.db", "statementTimeoutMs"),
        ]
        let empty = SettingsReader.environment([:])
        let names = keys.map { empty.scoped(to: $0.0).variableName($0.1) }
        #expect(
            names == [
                "CAREERAI_RPC_MAX_FRAME_BYTES", "CAREERAI_DATABASE_URL", "CAREERAI_GOOGLE_JWKS_MIN_REFETCH_S",
                "CAREERAI_OPENAI_BASE_URL", "CAREERAI_OTP_MAX_PER_ADDRESS_PER_HOUR", "OPENAI_API_KEY",
                "CAREERAI_DB_STATEMENT_TIMEOUT_MS",
            ])
        // The provider finds each value under the name we report.
        let values = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, "v\($0)") })
        let reader = SettingsReader.environment(values)
        for (index, (scope, key)) in keys.enumerated() {
            #expect(reader.scoped(to: scope).string(key) == "v\(index)", "\(scope).\(key)")
        }
    }

    @Test("RPC limits: durations in their variable's unit, defaults when unset or empty, ranges named")
    func rpcLimits() throws {
        let limits = try RPCServerLimits(
            settings: .environment([
                "CAREERAI_RPC_IDLE_TIMEOUT_MS": "1500", "CAREERAI_RPC_DRAIN_TIMEOUT_MS": "0",
                "CAREERAI_RPC_MAX_CONCURRENT_CALLS": "7", "CAREERAI_RPC_DEFAULT_TIMEOUT_MS": "",
            ]))
        #expect(limits.idleTimeout == .milliseconds(1500) && limits.drainTimeout == .zero)
        #expect(limits.maxConcurrentCalls == 7 && limits.defaultUnaryTimeout == RPCServerLimits().defaultUnaryTimeout)
        #expect(throws: ConfigurationError("CAREERAI_RPC_HANDSHAKE_TIMEOUT_MS", "5 is outside 10...600000")) {
            try RPCServerLimits(settings: .environment(["CAREERAI_RPC_HANDSHAKE_TIMEOUT_MS": "5"]))
        }
        #expect(throws: ConfigurationError("CAREERAI_RPC_MAX_FRAME_BYTES", "'4MB' is not a whole number")) {
            try RPCServerLimits(settings: .environment(["CAREERAI_RPC_MAX_FRAME_BYTES": "4MB"]))
        }
    }

    @Test("model settings: names validated, fallbacks, the retry policy, the base URL https or loopback http")
    func modelSettings() throws {
        let configuration = try ServerConfiguration.load(from: [
            "OPENAI_API_KEY": "sk-x", "MOCK": "0", "CAREERAI_MODEL_JOB_PACK_PRO": "gpt-4.1",
            "CAREERAI_MODEL_JOB_PACK_PRO_FALLBACK": "gpt-4o", "CAREERAI_MODEL_RETRY_BASE_MS": "100",
            "CAREERAI_OPENAI_BASE_URL": "http://127.0.0.1:9999/v1/",
        ])
        let models = configuration.models
        #expect(models.roster.jobPackPro == ModelRoster.Choice(primary: "gpt-4.1", fallback: "gpt-4o"))
        #expect(models.roster.jobPackFree == ModelRoster().jobPackFree, "unset: the defaults")
        #expect(models.policy.initialBackoff == .milliseconds(100) && models.baseURL == "http://127.0.0.1:9999/v1")
        #expect(
            throws: ConfigurationError("CAREERAI_MODEL_SKILL_MAPPER", "'gpt 4o' is not a model name (e.g. gpt-4o-mini)")
        ) {
            try ServerConfiguration.load(from: ["CAREERAI_MODEL_SKILL_MAPPER": "gpt 4o"])
        }
        #expect(
            throws: ConfigurationError(
                "CAREERAI_OPENAI_BASE_URL", "must be https (http only to 127.0.0.1 or localhost)")
        ) {
            try ServerConfiguration.load(from: ["CAREERAI_OPENAI_BASE_URL": "http://api.example.com/v1"])
        }
        #expect(throws: ConfigurationError("OPENAI_API_KEY", "must be set unless MOCK=1")) {
            try ServerConfiguration.load(from: ["MOCK": "0"])
        }
    }

    @Test("the server's configuration composes the components' settings")
    func composed() throws {
        let configuration = try ServerConfiguration.load(from: [
            "CAREERAI_DATABASE_URL": "postgres://u:p@db.example:5432/careerai",
            "CAREERAI_DB_STATEMENT_TIMEOUT_MS": "2500",
            "CAREERAI_REDIS_URL": "redis://127.0.0.1:6379/0", "CAREERAI_QUEUE": "q1",
            "CAREERAI_VISIBILITY_TIMEOUT_S": "90", "CAREERAI_HEARTBEAT_MS": "250", "CAREERAI_OTP_TTL_S": "120",
            "CAREERAI_SESSION_CACHE_MS": "0", "CAREERAI_RPC_ADDR": "127.0.0.1:0", "CAREERAI_MOCK_DELAY_MS": "40",
        ])
        #expect(
            configuration.database.url.hasPrefix("postgres://")
                && configuration.database.postgres.statementTimeout == .milliseconds(2500))
        #expect(configuration.queue.redisURL == "redis://127.0.0.1:6379/0" && configuration.queue.name == "q1")
        #expect(
            configuration.worker.visibilityTimeout == .seconds(90)
                && configuration.worker.heartbeat == .milliseconds(250))
        #expect(configuration.auth.otpTTL == .seconds(120) && configuration.auth.sessionCache == .zero)
        #expect(configuration.rpcPort == 0 && configuration.mockDelay == .milliseconds(40))
        #expect(
            throws: ConfigurationError(
                "CAREERAI_HEARTBEAT_MS", "must be shorter than CAREERAI_VISIBILITY_TIMEOUT_S, or live runs look dead")
        ) {
            try ServerConfiguration.load(from: ["CAREERAI_HEARTBEAT_MS": "5000", "CAREERAI_VISIBILITY_TIMEOUT_S": "5"])
        }
        #expect(
            throws: ConfigurationError(
                "CAREERAI_DATABASE_URL", "'mysql://u:***@h/db' is neither sqlite:PATH nor postgres://…")
        ) {
            try ServerConfiguration.load(from: ["CAREERAI_DATABASE_URL": "mysql://u:secret@h/db"])
        }
    }
}
