import Domain
import Foundation
import Outbound
import Queue
import Storage

/// The run machinery of one process, from the configuration: the queue (Redis Streams when
/// CAREERAI_REDIS_URL is set, else the embedded one), the processor with the MOCK workflows, the
/// sweeper and the services. `serve` and `worker` both build it.
struct RunsAssembly: Sendable {
    let queue: any JobQueue
    let redis: RedisJobQueue?
    let processor: RunProcessor
    let sweeper: RunSweeper
    let wallets: WalletService
    let runs: RunService

    static func make(configuration: ServerConfiguration, database: any SQLDatabase, clock: any WallClock, role: String)
        throws -> RunsAssembly
    {
        guard configuration.mock else {
            throw StartupError("MOCK=0: the model workflows are not in this build yet; run with MOCK=1")
        }
        let settings = configuration.worker
        let runStore = SQLRunStores.make(database: database)
        var redis: RedisJobQueue?
        let queue: any JobQueue
        if let redisURL = configuration.queue.redisURL {
            let url: RedisURL
            do { url = try RedisURL(redisURL) } catch { throw StartupError("CAREERAI_REDIS_URL: \(error)") }
            var redisConfiguration = RedisJobQueue.Configuration(
                url: url, stream: configuration.queue.name, consumer: Self.consumerName(role: role))
            redisConfiguration.visibilityTimeoutMs = Int(settings.visibilityTimeout.wholeMilliseconds)
            redisConfiguration.batch = min(16, settings.concurrency)
            redis = RedisJobQueue(configuration: redisConfiguration)
            queue = redis!
        } else {
            queue = EmbeddedJobQueue(visibilityTimeoutMs: Int(settings.visibilityTimeout.wholeMilliseconds))
        }
        let (mode, delay) = (configuration.mockMode, configuration.mockDelay)
        var limits = RunProcessor.Limits()
        limits.jobTimeout = settings.jobTimeout
        limits.heartbeat = settings.heartbeat
        limits.visibilityTimeout = settings.visibilityTimeout
        // One hub per process: this process's worker and sweeper announce to it, WatchRun waits on it.
        let statusHub = RunStatusHub(store: runStore)
        let processor = RunProcessor(
            store: runStore, queue: queue, workflows: { MockWorkflow(kind: $0, mode: mode, delay: delay) },
            clock: clock, limits: limits, statusChanged: { statusHub.announce(runID: $0) })
        var sweeperLimits = RunSweeper.Limits()
        sweeperLimits.requeueAfter = settings.requeueAfter
        sweeperLimits.visibilityTimeout = settings.visibilityTimeout
        return RunsAssembly(
            queue: queue, redis: redis, processor: processor,
            sweeper: RunSweeper(
                store: runStore, queue: queue, processor: processor, clock: clock, limits: sweeperLimits),
            wallets: WalletService(
                store: SQLWalletStore(database: database), costs: configuration.featureCosts, clock: clock),
            runs: RunService(
                store: runStore, queue: queue, costs: configuration.featureCosts, clock: clock, statusHub: statusHub))
    }

    /// Unique per process in the consumer group: the host name (without a DNS lookup), pid and a nonce.
    static func consumerName(role: String) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let host = gethostname(&buffer, buffer.count) == 0 ? String(cString: buffer) : "host"
        return "\(role)-\(host)-\(getpid())-\(UInt32.random(in: 0 ... .max))"
    }

    func worker(concurrency: Int) -> RunWorker {
        RunWorker(queue: queue, processor: processor, concurrency: concurrency)
    }
}
