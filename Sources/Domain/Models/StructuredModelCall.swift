import Foundation

/// What a tool's validation found wrong with an answer (the model is re-asked once with these).
public struct OutputProblems: Error, Sendable, Equatable {
    public var problems: [String]

    public init(_ problems: [String]) {
        self.problems = problems
    }
}

/// Why a tool got no good answer from any model; `usage` counts every answer received.
public struct ModelFailure: Error, Sendable, CustomStringConvertible {
    public var reason: ErrorReason
    public var message: String
    public var usage: RunUsage

    public var description: String { "\(reason.rawValue): \(message)" }
}

/// One tool's request to the models, with the product's policy: per model, transient failures are
/// retried with backoff (`ModelCallPolicy`), a truncated answer is asked once more with twice the
/// token cap, an answer that is not JSON or breaks the tool's rules is re-asked once with the
/// problems; a model used up (retries exhausted, rejected, refused, invalid twice, truncated twice)
/// hands over to the fallback with the same chances. Token usage is summed over every answer.
public struct StructuredModelCall: Sendable {
    private let model: any LanguageModel
    private let policy: ModelCallPolicy
    private let sleep: @Sendable (Duration) async throws -> Void
    private let jitter: @Sendable () -> Double

    public init(
        model: any LanguageModel, policy: ModelCallPolicy = ModelCallPolicy(),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.model = model
        self.policy = policy
        self.sleep = sleep
        self.jitter = jitter
    }

    /// How one model ended, when it gave nothing usable.
    private struct UsedUp: Error {
        var reason: ErrorReason
        var detail: String
    }

    public func run<Output: Sendable>(
        _ choice: ModelRoster.Choice, messages: [ModelMessage], schema: ToolSchema, purpose: String,
        validate: @Sendable (String) -> Result<Output, OutputProblems>
    ) async throws -> (output: Output, usage: RunUsage) {
        var usage = RunUsage()
        var endings: [String] = []
        var lastReason = ErrorReason.modelUnavailable
        for name in choice.models {
            let outcome = try await attempt(
                model: name, messages: messages, schema: schema, purpose: purpose, usage: &usage, validate: validate)
            switch outcome {
            case .success(let output):
                usage.model = name
                return (output, usage)
            case .failure(let usedUp):
                endings.append("\(name): \(usedUp.detail)")
                lastReason = usedUp.reason
            }
        }
        throw ModelFailure(reason: lastReason, message: endings.joined(separator: "; "), usage: usage)
    }

    private func attempt<Output: Sendable>(
        model name: String, messages base: [ModelMessage], schema: ToolSchema, purpose: String,
        usage: inout RunUsage, validate: @Sendable (String) -> Result<Output, OutputProblems>
    ) async throws -> Result<Output, UsedUp> {
        var messages = base
        var cap = policy.maxCompletionTokens
        var transientFailures = 0
        var truncated = false
        var repaired = false
        while true {
            try Task.checkCancellation()
            let request = ModelRequest(
                model: name, messages: messages, schema: schema, maxCompletionTokens: cap, purpose: purpose)
            let answer: ModelAnswer
            do {
                answer = try await model.complete(request)
            } catch .transient(let status, let retryAfter, let message) {
                let what = status.map { "HTTP \($0)" } ?? message
                guard transientFailures < policy.maxTransientRetries else {
                    return .failure(
                        UsedUp(reason: .modelUnavailable, detail: "\(what) after \(transientFailures) retries"))
                }
                guard let wait = policy.wait(beforeRetry: transientFailures, retryAfter: retryAfter, jitter: jitter())
                else {
                    return .failure(UsedUp(reason: .modelUnavailable, detail: "\(what), retry-after too long"))
                }
                transientFailures += 1
                try await sleep(wait)
                continue
            } catch .rejected(let status, _) {
                return .failure(UsedUp(reason: .modelUnavailable, detail: "HTTP \(status), not retried"))
            }
            usage.add(answer.usage)
            DomainMetrics.modelAnswered(model: name, answer.usage)
            if answer.refusal != nil || answer.finish == .contentFilter {
                return .failure(UsedUp(reason: .modelRefused, detail: "refused"))
            }
            if answer.finish == .length {
                // Truncated JSON is never "repaired": ask again with room, once.
                guard !truncated else {
                    return .failure(UsedUp(reason: .modelOutputTruncated, detail: "truncated twice"))
                }
                truncated = true
                cap *= 2
                continue
            }
            let content = answer.content ?? ""
            switch validate(content) {
            case .success(let output):
                return .success(output)
            case .failure(let problems):
                guard !repaired else {
                    return .failure(
                        UsedUp(
                            reason: .modelOutputInvalid,
                            detail: "invalid twice (\(problems.problems.prefix(3).joined(separator: "; ")))"))
                }
                repaired = true
                messages =
                    base + [
                        ModelMessage(.assistant, String(content.prefix(20_000))),
                        ModelMessage(
                            .user,
                            "Your answer broke these rules:\n- "
                                + problems.problems.prefix(20).joined(separator: "\n- ")
                                + "\nAnswer again with one complete JSON object that follows the schema and every rule."
                        ),
                    ]
            }
        }
    }
}
