import Domain

/// MOCK=1 with CAREERAI_MOCK_MODE=fail|hang (tests of refunds, retries and timeouts): a workflow
/// that fails every attempt (retryable) or never answers. `succeed` is the real workflows with
/// the MOCK model (`ToolWorkflows` + `MockLanguageModel`).
public struct FaultInjectionWorkflow: Workflow {
    public enum Mode: String, Sendable, CaseIterable {
        case succeed, fail, hang
    }

    private let mode: Mode

    public init(mode: Mode) {
        self.mode = mode
    }

    public func run(_ input: RunInput, for run: Run) async throws -> WorkflowOutput {
        switch mode {
        case .fail, .succeed:
            throw WorkflowError(reason: "MOCK_FAILURE: CAREERAI_MOCK_MODE=\(mode.rawValue)", retryable: true)
        case .hang:
            try await Task.sleep(for: .seconds(3600))
            throw CancellationError()
        }
    }
}

/// Makes a workflow take at least `delay` first (CAREERAI_MOCK_DELAY_MS: workers dying mid-run,
/// benchmarks of the queue).
public struct DelayedWorkflow: Workflow {
    private let inner: any Workflow
    private let delay: Duration

    public init(_ inner: any Workflow, delay: Duration) {
        self.inner = inner
        self.delay = delay
    }

    public func run(_ input: RunInput, for run: Run) async throws -> WorkflowOutput {
        if delay > .zero { try await Task.sleep(for: delay) }
        return try await inner.run(input, for: run)
    }
}
