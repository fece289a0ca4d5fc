import CoreMetrics

/// What the business rules count, through swift-metrics: nothing until a process bootstraps a
/// backend (`serve` and `worker` do when CAREERAI_METRICS_ADDR is set). Every label takes its values
/// from a closed set (kinds, statuses, features, currencies, the configured model names), so no
/// input from outside can grow the number of series.
public enum DomainMetrics {
    public static let runsFinished = "careerai_runs_finished_total"
    public static let refunds = "careerai_refunds_total"
    public static let refundedCredits = "careerai_refunded_credits_total"
    public static let modelTokens = "careerai_model_tokens_total"
    public static let modelAnswers = "careerai_model_answers_total"

    /// A run reached a final state (counted by the process that committed it).
    static func runFinished(_ kind: Run.Kind, _ status: Run.Status) {
        Counter(label: runsFinished, dimensions: [("kind", kind.rawValue), ("status", status.rawValue)]).increment()
    }

    /// A refund row was committed.
    static func refunded(_ feature: Feature, _ cost: Cost) {
        Counter(label: refunds, dimensions: [("feature", feature.rawValue)]).increment()
        Counter(label: refundedCredits, dimensions: [("currency", cost.currency.rawValue)]).increment(by: cost.amount)
    }

    /// One answer of a model (each retry and repair is one), and the tokens it says it used.
    static func modelAnswered(model: String, _ usage: TokenUsage) {
        Counter(label: modelAnswers, dimensions: [("model", model)]).increment()
        for (direction, tokens) in [("prompt", usage.promptTokens), ("completion", usage.completionTokens)]
        where tokens > 0 {
            Counter(label: modelTokens, dimensions: [("model", model), ("direction", direction)]).increment(by: tokens)
        }
    }
}
