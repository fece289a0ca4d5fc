import ArgumentParser
import Domain
import Foundation
import Logging
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
            throw ValidationError("--concurrency must be \(RunWorker.concurrencyRange.lowerBound)…\(RunWorker.concurrencyRange.upperBound)")
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
        guard configuration.redisURL != nil else {
            ServeCommand.fail("worker needs CAREERAI_REDIS_URL; without Redis, `careerai-server serve` runs the worker in-process")
        }
        ServerLogging.bootstrap(level: configuration.logLevel)
        let logger = Logger(label: "careerai.worker")
        let database: any SQLDatabase
        let assembly: RunsAssembly
        do {
            let opened = try await ServerRuntime.openDatabase(configuration, logger: logger, migrate: configuration.migrateOnStart)
            database = opened
            assembly = try RunsAssembly.make(configuration: configuration, database: opened, clock: SystemWallClock(), role: "worker")
        } catch {
            ServeCommand.fail("\(error)")
        }
        let concurrency = self.concurrency ?? configuration.worker.concurrency
        let worker = assembly.worker(concurrency: concurrency)
        let task = Task { await worker.run { logger.error("worker error", metadata: ["error": "\(String(describing: $0))"]) } }
        logger.info("careerai-server worker started", metadata: [
            "queue": "\(configuration.queueName)", "concurrency": "\(concurrency)", "pid": "\(getpid())",
        ])
        let signal = await SignalWaiter.wait()
        logger.info("worker stopping: finishing runs in flight", metadata: ["signal": "\(signal == SIGTERM ? "SIGTERM" : "SIGINT")"])
        task.cancel()
        await task.value
        await assembly.redis?.shutdown()
        await database.close()
        logger.info("worker stopped")
        ServerLogging.flush()
    }
}
