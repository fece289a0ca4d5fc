import ArgumentParser
import Domain
import Foundation
import Logging
import NIOPosix
import ServiceLifecycle
import Storage

/// `careerai-server worker [QUEUE]`: processes runs from the Redis stream until SIGTERM/SIGINT, then
/// stops taking new ones and lets the ones in flight finish (what it had taken but not started goes
/// back to the group's pending list and is claimed by another worker after the visibility timeout).
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Process queued runs from Redis (CAREERAI_REDIS_URL) until SIGTERM/SIGINT.")

    @Argument(help: "The queue (stream) name; default $CAREERAI_QUEUE or careerai_queue.") var queue: String?
    @Option(help: "Runs processed at once (default $CAREERAI_WORKER_CONCURRENCY or 4).") var concurrency: Int?

    func validate() throws {
        if let concurrency, !RunWorker.concurrencyRange.contains(concurrency) {
            throw ValidationError(
                "--concurrency must be \(RunWorker.concurrencyRange.lowerBound)…\(RunWorker.concurrencyRange.upperBound)"
            )
        }
    }

    func run() async throws {
        var environment = ProcessInfo.processInfo.environment
        if let queue { environment["CAREERAI_QUEUE"] = queue }
        let configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.load(from: environment)
        } catch {
            ServeCommand.fail("configuration: \(error)")
        }
        guard configuration.queue.redisURL != nil else {
            ServeCommand.fail(
                "worker needs CAREERAI_REDIS_URL; without Redis, `careerai-server serve` runs the worker in-process")
        }
        ServerLogging.bootstrap(level: configuration.logLevel)
        // Before any metric is made: handles made earlier would stay no-ops.
        if configuration.metricsAddress != nil { _ = MetricsBackend.bootstrap() }
        let logger = Logger(label: "careerai.worker")
        let database: any SQLDatabase
        let assembly: RunsAssembly
        // The model API and profile pages: blocking libcurl transfers, off the event loops.
        // Each run in flight may hold a thread (a model call, a profile fetch or a PDF render), and
        // mail and Google's endpoints need theirs.
        let outboundThreads = NIOThreadPool(numberOfThreads: (self.concurrency ?? configuration.worker.concurrency) + 4)
        outboundThreads.start()
        do {
            let opened = try await ServerRuntime.openDatabase(
                configuration, logger: logger, migrate: configuration.database.migrateOnStart)
            database = opened
            assembly = try RunsAssembly.make(
                configuration: configuration, database: opened, clock: SystemWallClock(), role: "worker",
                threadPool: outboundThreads, logger: logger)
        } catch {
            ServeCommand.fail("\(error)")
        }
        let concurrency = self.concurrency ?? configuration.worker.concurrency
        let worker = assembly.worker(concurrency: concurrency)
        logger.info(
            "careerai-server worker started",
            metadata: [
                "queue": "\(configuration.queue.name)", "concurrency": "\(concurrency)", "pid": "\(getpid())",
            ])
        // SIGTERM/SIGINT: the worker stops taking runs and finishes those in flight; then the queue and
        // the database close (a group shuts down in reverse order).
        let redis = assembly.redis
        var services: [any Service] = [
            LogFlushService(),
            ResourceService(description: "database") { await database.close() },
            ResourceService(description: "redis queue") { await redis?.shutdown() },
            ResourceService(description: "outbound threads") { try? await outboundThreads.shutdownGracefully() },
        ]
        if let metrics = MetricsService.make(configuration, store: assembly.runStore, logger: logger) {
            services.append(metrics)
        }
        services.append(RunWorkerService(worker: worker, logger: logger))
        let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        do {
            try await group.run()
        } catch {
            ServeCommand.fail("\(error)")
        }
        logger.info("worker stopped")
        ServerLogging.flush()
    }
}
