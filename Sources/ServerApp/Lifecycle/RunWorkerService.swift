import Domain
import Logging
import ServiceLifecycle

/// The run worker as a service: takes runs until graceful shutdown, then stops taking new ones and
/// lets those in flight finish (the worker's own cancellation rule).
struct RunWorkerService: Service {
    let worker: RunWorker
    let logger: Logger

    func run() async throws {
        let logger = self.logger
        await cancelWhenGracefulShutdown {
            await worker.run { logger.error("worker error", metadata: ["error": "\(String(describing: $0))"]) }
        }
    }
}

/// The sweeper (re-queues lost runs, fails and refunds runs out of attempts) as a service.
struct RunSweeperService: Service {
    let sweeper: RunSweeper
    let interval: Duration
    let logger: Logger

    func run() async throws {
        let logger = self.logger
        await cancelWhenGracefulShutdown {
            await sweeper.run(interval: interval) {
                logger.error("sweeper error", metadata: ["error": "\(String(describing: $0))"])
            }
        }
    }
}
