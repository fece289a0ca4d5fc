import Domain
import Foundation
import Logging
import NIOPosix
import Outbound
import Queue
import Storage

/// The run machinery of one process, from the configuration: the queue (Redis Streams when
/// CAREERAI_REDIS_URL is set, else the embedded one), the model (OpenAI, or MOCK's fixtures), the
/// tools' workflows with the PDF renderer and the profile fetcher, the processor, the sweeper and
/// the services. `serve` and `worker` both build it.
struct RunsAssembly: Sendable {
    let queue: any JobQueue
    let redis: RedisJobQueue?
    let processor: RunProcessor
    let sweeper: RunSweeper
    /// The runs' table (the metrics sampler reads it).
    let runStore: any RunStore
    let wallets: WalletService
    let runs: RunService
    let tools: ToolService

    static func make(
        configuration: ServerConfiguration, database: any SQLDatabase, clock: any WallClock, role: String,
        threadPool: NIOThreadPool, logger: Logger
    ) throws -> RunsAssembly {
        let settings = configuration.worker
        let models = configuration.models
        let model: any LanguageModel
        if configuration.mock {
            model = MockLanguageModel()
        } else {
            guard let apiKey = models.apiKey else { throw StartupError("OPENAI_API_KEY is required with MOCK=0") }
            var openAI = OpenAIChatModel.Configuration(apiKey: apiKey)
            openAI.baseURL = models.baseURL
            openAI.timeout = models.timeout
            openAI.connectTimeout = models.connectTimeout
            model = OpenAIChatModel(configuration: openAI, threadPool: threadPool, logger: logger)
        }
        let call = StructuredModelCall(model: model, policy: models.policy)
        guard
            let weasyPrint = models.weasyPrint
                ?? WeasyPrintRenderer.locate(
                    override: nil, environment: ProcessInfo.processInfo.environment)
        else {
            throw StartupError(
                "WeasyPrint (≥ 67) was not found: run scripts/install-weasyprint.sh, or set CAREERAI_WEASYPRINT")
        }
        var pdfLimits = WeasyPrintRenderer.Limits()
        pdfLimits.timeout = models.pdfTimeout
        let universityRepository = SQLUniversityRepository(database: database)
        let toolWorkflows = ToolWorkflows(
            call: call, roster: models.roster,
            renderer: WeasyPrintRenderer(
                executable: weasyPrint, threadPool: threadPool, limits: pdfLimits, logger: logger),
            fetcher: GuardedProfileFetcher(threadPool: threadPool), universities: universityRepository)
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
        let workflow: any Workflow =
            configuration.mock && mode != .succeed
            ? FaultInjectionWorkflow(mode: mode) : toolWorkflows.workflow
        let delayed: any Workflow = delay > .zero ? DelayedWorkflow(workflow, delay: delay) : workflow
        var limits = RunProcessor.Limits()
        limits.jobTimeout = settings.jobTimeout
        limits.heartbeat = settings.heartbeat
        limits.visibilityTimeout = settings.visibilityTimeout
        // One hub per process: this process's worker and sweeper announce to it, WatchRun waits on it.
        let statusHub = RunStatusHub(store: runStore)
        let processor = RunProcessor(
            store: runStore, queue: queue, workflows: { _ in delayed },
            clock: clock, limits: limits, statusChanged: { statusHub.announce(runID: $0) })
        var sweeperLimits = RunSweeper.Limits()
        sweeperLimits.requeueAfter = settings.requeueAfter
        sweeperLimits.visibilityTimeout = settings.visibilityTimeout
        return RunsAssembly(
            queue: queue, redis: redis, processor: processor,
            sweeper: RunSweeper(
                store: runStore, queue: queue, processor: processor, clock: clock, limits: sweeperLimits),
            runStore: runStore,
            wallets: WalletService(
                store: SQLWalletStore(database: database), costs: configuration.featureCosts, clock: clock),
            runs: RunService(
                store: runStore, queue: queue, costs: configuration.featureCosts, clock: clock, statusHub: statusHub,
                roster: models.roster, universities: universityRepository),
            tools: ToolService(
                store: SQLToolCallStore(database: database), costs: configuration.featureCosts, call: call,
                roster: models.roster, drafter: MustacheReferralDrafter(), clock: clock))
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
