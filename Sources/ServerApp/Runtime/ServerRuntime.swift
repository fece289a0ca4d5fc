import API
import BoundedIO
import Contract
import CoreMetrics
import Domain
import Foundation
import Logging
import NIOCore
import NIOPosix
import Outbound
import Queue
import RPCServer
import ServiceLifecycle
import Storage
import Synchronization

/// careerai-server assembled from its configuration: the database, the services, the RPC server.
/// Tests build one in-process the same way the executable does.
public struct ServerRuntime: Sendable {
    public let configuration: ServerConfiguration
    public let server: RPCServer
    public let health: HealthStatus
    public let database: any SQLDatabase
    public let universities: UniversityService
    public let auth: AuthService
    /// The queue, the run processor and the services over them.
    let assembly: RunsAssembly
    /// The code limiter's connections to Redis (nil without Redis).
    private let limiterRedis: RedisClient?
    public var sweeper: RunSweeper { assembly.sweeper }
    /// Threads for blocking outgoing calls (libcurl: SMTP, Google).
    private let outboundThreads: NIOThreadPool
    private let running = RunningGroup()

    /// Opens the database, migrates it when configured to, and (in development) creates the demo
    /// university on an empty database. `clock` is the time the business rules see (tests move it).
    public static func make(
        configuration: ServerConfiguration, logger: Logger,
        clock: any WallClock = SystemWallClock()
    ) async throws -> ServerRuntime {
        let database = try await openDatabase(
            configuration, logger: logger, migrate: configuration.database.migrateOnStart)
        let secret: ServerSecret
        do {
            secret = try loadSecret(configuration, logger: logger)
        } catch {
            await database.close()
            throw error
        }
        let universities = UniversityService(
            repository: SQLUniversityRepository(database: database),
            now: { Date(timeIntervalSince1970: TimeInterval(clock.nowUnix)) })
        if configuration.environment == .development, let demo = try await universities.createDemoIfEmpty() {
            logger.info(
                "created the demo university on an empty database",
                metadata: [
                    "subdomain": "\(demo.subdomain)",
                    "allowed_domains": "\(demo.allowedDomains.joined(separator: ","))",
                    "default_silver": "\(demo.defaultSilver)", "default_gold": "\(demo.defaultGold)",
                ])
        }
        // Each run in flight may hold a thread (a model call, a profile fetch or a PDF render), and
        // mail and Google's endpoints need theirs.
        let outboundThreads = NIOThreadPool(numberOfThreads: configuration.worker.concurrency + 4)
        outboundThreads.start()
        let http = CurlHTTPClient(threadPool: outboundThreads)
        let mailer: any Mailer =
            configuration.smtp.map { SMTPMailer(configuration: $0, threadPool: outboundThreads, logger: logger) }
            ?? ConsoleMailer(logger: logger)
        let google: any GoogleIdentityProvider =
            configuration.google.map {
                GoogleOAuthProvider(
                    configuration: $0, http: http, logger: logger,
                    now: { Date(timeIntervalSince1970: TimeInterval(clock.nowUnix)) })
            } ?? UnconfiguredGoogleIdentityProvider()
        let limiterRedis: RedisClient?
        let addressLimiter: (any AddressRateLimiter)?
        do {
            (limiterRedis, addressLimiter) = try sharedAddressLimiter(configuration, logger: logger)
        } catch {
            await database.close()
            try? await outboundThreads.shutdownGracefully()
            throw error
        }
        let auth = AuthService(
            universities: universities, store: SQLAuthStore(database: database), mailer: mailer, google: google,
            secret: secret, settings: configuration.auth, clock: clock, addressLimiter: addressLimiter)

        let assembly: RunsAssembly
        do {
            assembly = try RunsAssembly.make(
                configuration: configuration, database: database, clock: clock, role: "server",
                threadPool: outboundThreads, logger: logger)
        } catch {
            await database.close()
            try? await outboundThreads.shutdownGracefully()
            await limiterRedis?.shutdown()
            throw error
        }
        return ServerRuntime(
            configuration: configuration, database: database, universities: universities, auth: auth,
            assembly: assembly, limiterRedis: limiterRedis,
            outboundThreads: outboundThreads, logger: logger)
    }

    /// With Redis, the per-address code limit is counted there, for every server process together.
    private static func sharedAddressLimiter(_ configuration: ServerConfiguration, logger: Logger) throws
        -> (RedisClient?, (any AddressRateLimiter)?)
    {
        guard let text = configuration.queue.redisURL else { return (nil, nil) }
        let url: RedisURL
        do { url = try RedisURL(text) } catch { throw StartupError("CAREERAI_REDIS_URL: \(error)") }
        var clientConfiguration = RedisClient.Configuration(url: url)
        clientConfiguration.maxConnections = 2
        // A sign-in waits on this: an unreachable Redis costs it half a second, then the fallback.
        clientConfiguration.connectTimeoutMs = 500
        clientConfiguration.commandTimeoutMs = 1_000
        let client = RedisClient(configuration: clientConfiguration)
        let lastWarning = Mutex<ContinuousClock.Instant?>(nil)
        let limiter = RedisAddressRateLimiter(
            client: client, prefix: configuration.queue.name, maxPerHour: configuration.auth.otpMaxPerAddressPerHour
        ) { why in
            let now = ContinuousClock.now
            let due = lastWarning.withLock { last -> Bool in
                if let last, now - last < .seconds(60) { return false }
                last = now
                return true
            }
            guard due else { return }
            logger.warning(
                "the shared code limiter cannot use Redis; this process counts alone (at most once a minute)",
                metadata: ["error": "\(why)"])
        }
        return (client, limiter)
    }

    private init(
        configuration: ServerConfiguration, database: any SQLDatabase, universities: UniversityService,
        auth: AuthService,
        assembly: RunsAssembly, limiterRedis: RedisClient?, outboundThreads: NIOThreadPool, logger: Logger
    ) {
        self.limiterRedis = limiterRedis
        self.configuration = configuration
        self.database = database
        self.universities = universities
        self.auth = auth
        self.assembly = assembly
        self.outboundThreads = outboundThreads
        health = HealthStatus()
        var router = APIRouter.make(authenticator: auth)
        router.register(HealthRPCService(status: health))
        router.register(UniversityRPCService(universities: universities, googleSignIn: configuration.google != nil))
        router.register(
            AuthRPCService(
                auth: auth, clientAddresses: ClientAddressResolver(trustedProxies: configuration.trustedProxies)))
        router.register(WalletRPCService(wallets: assembly.wallets))
        router.register(RunRPCService(runs: assembly.runs))
        router.register(ToolRPCService(tools: assembly.tools))
        server = RPCServer(
            router: router, limits: configuration.rpcLimits, health: health,
            exemptAddresses: configuration.trustedProxies, logger: logger)
        self.logger = logger
    }

    private let logger: Logger

    /// The process as services, in start order: the resources first (the group shuts down in reverse
    /// order, so they close last), then the sweeper, the in-process worker (embedded queue only: with
    /// Redis, `careerai-server worker` processes runs), and the RPC server, which drains first.
    public func services(onListening: @escaping @Sendable (SocketAddress) -> Void) -> [any Service] {
        let (database, redis, outboundThreads) = (self.database, assembly.redis, self.outboundThreads)
        var services: [any Service] = [
            ResourceService(description: "database") { await database.close() },
            ResourceService(description: "outbound threads") { try? await outboundThreads.shutdownGracefully() },
        ]
        if let redis {
            services.append(ResourceService(description: "redis queue") { await redis.shutdown() })
        }
        if let limiterRedis {
            services.append(ResourceService(description: "redis code limiter") { await limiterRedis.shutdown() })
        }
        services.append(
            RunSweeperService(
                sweeper: sweeper, tools: assembly.tools, interval: configuration.worker.sweepInterval, logger: logger))
        if redis == nil {
            services.append(
                RunWorkerService(worker: assembly.worker(concurrency: configuration.worker.concurrency), logger: logger)
            )
        }
        let server = self.server
        if let metrics = MetricsService.make(
            configuration, store: assembly.runStore, logger: logger,
            extra: { Gauge(label: "careerai_rpc_connections").record(server.openConnections) })
        {
            services.append(metrics)
        }
        services.append(
            RPCServerService(
                server: server, host: configuration.rpcHost, port: configuration.rpcPort, onListening: onListening))
        return services
    }

    /// Runs `services` in a group of their own until `shutdown()` (how tests and embedders run a
    /// server; `careerai-server serve` runs the same services under signal handling instead).
    public func start() async throws -> SocketAddress {
        let (listening, listened) = AsyncStream<Result<SocketAddress, any Error>>.makeStream()
        let group = ServiceGroup(
            services: services(onListening: { listened.yield(.success($0)) }), logger: logger)
        let task = Task {
            do {
                try await group.run()
            } catch {
                listened.yield(.failure(error))
            }
            listened.finish()
        }
        running.set(group: group, task: task)
        for await outcome in listening { return try outcome.get() }
        throw StartupError("the server stopped before it listened")
    }

    /// Graceful shutdown of what `start()` runs: the RPC server drains, runs in flight finish, then the
    /// database and the queue close. Without `start()`, just closes the resources.
    public func shutdown() async {
        if let (group, task) = running.take() {
            await group.triggerGracefulShutdown()
            await task.value
        } else {
            await assembly.redis?.shutdown()
            await limiterRedis?.shutdown()
            await database.close()
            try? await outboundThreads.shutdownGracefully()
        }
    }

    /// CAREERAI_SECRET, or in development the secret kept in `secretFile` (made on first start, mode 0600).
    static func loadSecret(_ configuration: ServerConfiguration, logger: Logger) throws -> ServerSecret {
        if let secret = configuration.secret { return try ServerSecret(secret) }
        precondition(
            configuration.environment == .development,
            "production without CAREERAI_SECRET is refused by the configuration")
        let path = configuration.secretFile
        do {
            if FileManager.default.fileExists(atPath: path) {
                // A secret others can read is no secret: refuse to start rather than sign with it.
                if let problem = PrivateFile.problem(with: path) { throw StartupError("secret: \(problem)") }
                let existing = try BoundedFile.read(path, maxBytes: ServerSecret.maxBytes + 2)
                return try ServerSecret(
                    String(decoding: existing, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
            }
            let generated = ServerSecret.generate()
            do {
                try PrivateFile.create(path, Data((generated + "\n").utf8))
            } catch {
                throw StartupError("secret: \(error) (set CAREERAI_SECRET or CAREERAI_SECRET_FILE)")
            }
            logger.notice(
                "generated a development secret (set CAREERAI_SECRET in production)", metadata: ["file": "\(path)"])
            return try ServerSecret(generated)
        } catch let error as StartupError {
            throw error
        } catch {
            throw StartupError("secret: \(path) does not hold a usable secret: \(error)")
        }
    }

    /// The configured database, migrated if asked; failures are `StartupError`s with one clear line.
    public static func openDatabase(_ configuration: ServerConfiguration, logger: Logger, migrate: Bool) async throws
        -> any SQLDatabase
    {
        let database: any SQLDatabase
        do {
            database = try DatabaseFactory.open(
                url: configuration.database.url, logger: logger, postgresLimits: configuration.database.postgres)
        } catch {
            throw StartupError("database: \(error)")
        }
        guard migrate else { return database }
        do {
            let applied = try await Migrator(database: database).migrate()
            if !applied.isEmpty {
                logger.info(
                    "applied migrations", metadata: ["versions": "\(applied.map(String.init).joined(separator: ","))"])
            }
        } catch {
            await database.close()
            throw StartupError("database: \(error)")
        }
        return database
    }
}

/// Why the server could not start, as one line for a person.
public struct StartupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The service group `start()` runs, kept for `shutdown()`.
final class RunningGroup: Sendable {
    private let state = Mutex<(group: ServiceGroup, task: Task<Void, Never>)?>(nil)

    func set(group: ServiceGroup, task: Task<Void, Never>) {
        state.withLock { $0 = (group, task) }
    }

    func take() -> (ServiceGroup, Task<Void, Never>)? {
        state.withLock { state in
            defer { state = nil }
            return state
        }
    }
}
