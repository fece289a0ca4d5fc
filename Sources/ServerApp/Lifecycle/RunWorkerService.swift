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
    /// A synchronous tool call still pending after this long lost its process: fail and refund it.
    /// Far beyond any call's deadline (the model's time is at most 60 s).
    static let staleToolCallAge = Duration.seconds(600)

    let sweeper: RunSweeper
    let tools: ToolService
    let interval: Duration
    let logger: Logger

    func run() async throws {
        let (logger, tools) = (self.logger, self.tools)
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await sweeper.run(interval: interval) {
                        logger.error("sweeper error", metadata: ["error": "\(String(describing: $0))"])
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        do {
                            let refunded = try await tools.failStaleCalls(olderThan: Self.staleToolCallAge)
                            if refunded > 0 {
                                logger.notice("refunded tool calls left pending", metadata: ["calls": "\(refunded)"])
                            }
                        } catch {
                            logger.error("tool call sweep error", metadata: ["error": "\(String(describing: error))"])
                        }
                        try? await Task.sleep(for: interval)
                    }
                }
            }
        }
    }
}
