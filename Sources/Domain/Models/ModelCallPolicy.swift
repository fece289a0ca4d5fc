/// How hard `StructuredModelCall` tries one model before falling back: OpenAI's own SDK policy
/// (retries with `min(base·2^n, max)` × jitter, honouring the server's retry-after).
public struct ModelCallPolicy: Sendable, Equatable {
    /// Retries of transient failures (429, 5xx, connection errors, timeouts) per model.
    public var maxTransientRetries = 3
    public var initialBackoff = Duration.milliseconds(500)
    public var maxBackoff = Duration.seconds(8)
    /// A longer retry-after is not waited for: the model counts as used up.
    public var maxRetryAfter = Duration.seconds(20)
    /// Completion tokens of the first answer; a truncated one is asked once more with twice this.
    public var maxCompletionTokens = 4096

    public init() {}

    /// The wait before retry `retry` (0-based): the server's retry-after when it gave one (nil when
    /// that is too long to wait), else the exponential backoff with jitter in 0.75–1.0 of it.
    public func wait(beforeRetry retry: Int, retryAfter: Duration?, jitter: Double) -> Duration? {
        if let retryAfter {
            return retryAfter <= maxRetryAfter ? max(retryAfter, .zero) : nil
        }
        let exponential = initialBackoff * (1 << min(retry, 20))
        let capped = min(exponential, maxBackoff)
        return capped * (0.75 + 0.25 * min(max(jitter, 0), 1))
    }
}
