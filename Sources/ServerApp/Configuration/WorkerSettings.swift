import Domain
import Settings

/// The worker and the sweeper: `CAREERAI_WORKER_CONCURRENCY`, `CAREERAI_JOB_TIMEOUT_MS`,
/// `CAREERAI_HEARTBEAT_MS`, `CAREERAI_SWEEP_INTERVAL_MS`, `CAREERAI_REQUEUE_AFTER_S`,
/// `CAREERAI_VISIBILITY_TIMEOUT_S`.
public struct WorkerSettings: Sendable {
    public var concurrency = 4
    // A Job Pack may ask two models with retries and then render a PDF.
    public var jobTimeout = Duration.seconds(300)
    public var heartbeat = Duration.seconds(5)
    public var sweepInterval = Duration.seconds(5)
    public var requeueAfter = Duration.seconds(30)
    public var visibilityTimeout = Duration.seconds(60)

    public init() {}

    init(settings root: SettingsReader) throws(ConfigurationError) {
        self.init()
        let settings = root.scoped(to: "careerai")
        concurrency = try settings.integer("workerConcurrency", default: concurrency, in: RunWorker.concurrencyRange)
        jobTimeout = try settings.duration(
            "jobTimeoutMs", .milliseconds, default: jobTimeout, in: Duration.milliseconds(100)...Duration.seconds(3_600)
        )
        heartbeat = try settings.duration(
            "heartbeatMs", .milliseconds, default: heartbeat, in: Duration.milliseconds(50)...Duration.seconds(600))
        sweepInterval = try settings.duration(
            "sweepIntervalMs", .milliseconds, default: sweepInterval,
            in: Duration.milliseconds(100)...Duration.seconds(3_600))
        requeueAfter = try settings.duration(
            "requeueAfterS", .seconds, default: requeueAfter, in: Duration.seconds(1)...Duration.seconds(86_400))
        visibilityTimeout = try settings.duration(
            "visibilityTimeoutS", .seconds, default: visibilityTimeout,
            in: Duration.seconds(1)...Duration.seconds(86_400))
        guard heartbeat < visibilityTimeout else {
            throw ConfigurationError(
                settings.variableName("heartbeatMs"),
                "must be shorter than \(settings.variableName("visibilityTimeoutS")), or live runs look dead")
        }
    }
}
