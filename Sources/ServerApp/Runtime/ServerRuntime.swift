import Domain
import Logging
import NIOCore
import RPCServer
import Storage

/// careerai-server assembled from its configuration: the database, the services, the RPC server.
/// Tests build one in-process the same way the executable does.
public struct ServerRuntime: Sendable {
    public let configuration: ServerConfiguration
    public let server: RPCServer
    public let health: HealthStatus
    public let database: any SQLDatabase
    public let universities: UniversityService

    /// Opens the database, migrates it when configured to, and (in development) creates the demo
    /// university on an empty database.
    public static func make(configuration: ServerConfiguration, logger: Logger) async throws -> ServerRuntime {
        let database = try await openDatabase(configuration, logger: logger, migrate: configuration.migrateOnStart)
        let universities = UniversityService(repository: SQLUniversityRepository(database: database))
        if configuration.environment == .development, let demo = try await universities.createDemoIfEmpty() {
            logger.info("created the demo university on an empty database", metadata: [
                "subdomain": "\(demo.subdomain)", "allowed_domains": "\(demo.allowedDomains.joined(separator: ","))",
                "default_silver": "\(demo.defaultSilver)", "default_gold": "\(demo.defaultGold)",
            ])
        }
        return ServerRuntime(configuration: configuration, database: database, universities: universities, logger: logger)
    }

    private init(configuration: ServerConfiguration, database: any SQLDatabase, universities: UniversityService, logger: Logger) {
        self.configuration = configuration
        self.database = database
        self.universities = universities
        health = HealthStatus()
        var router = RPCRouter()
        router.register(HealthService(status: health))
        router.register(UniversityRPCService(universities: universities))
        server = RPCServer(router: router, limits: configuration.rpcLimits, health: health, logger: logger)
    }

    public func start() async throws -> SocketAddress {
        try await server.start(host: configuration.rpcHost, port: configuration.rpcPort)
    }

    /// Drains the RPC server, then closes the database.
    public func shutdown() async {
        await server.drain()
        await database.close()
    }

    /// The configured database, migrated if asked; failures are `StartupError`s with one clear line.
    public static func openDatabase(_ configuration: ServerConfiguration, logger: Logger, migrate: Bool) async throws -> any SQLDatabase {
        var limits = PostgresDatabase.Limits()
        limits.maxConnections = configuration.databaseMaxConnections
        limits.statementTimeoutMs = configuration.databaseStatementTimeoutMs
        let database: any SQLDatabase
        do {
            database = try DatabaseFactory.open(url: configuration.databaseURL, logger: logger, postgresLimits: limits)
        } catch {
            throw StartupError("database: \(error)")
        }
        guard migrate else { return database }
        do {
            let applied = try await Migrator(database: database).migrate()
            if !applied.isEmpty {
                logger.info("applied migrations", metadata: ["versions": "\(applied.map(String.init).joined(separator: ","))"])
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
