/// One run id taken from the queue; `acknowledge` once the database holds the run's outcome (or
/// the run needs no more work), so that an unacknowledged delivery is redelivered to another worker.
public struct QueueDelivery: Sendable {
    public let runID: String
    public let acknowledge: @Sendable () async throws -> Void

    public init(runID: String, acknowledge: @escaping @Sendable () async throws -> Void) {
        self.runID = runID
        self.acknowledge = acknowledge
    }
}

/// The queue of run ids between the server and the workers. The database is the truth: a lost
/// entry is found again by the sweeper, a duplicate is harmless (claiming a run is atomic).
public protocol JobQueue: Sendable {
    func enqueue(runID: String) async throws
    /// The next delivery, waiting at most `timeoutMs`; nil when none came.
    func next(timeoutMs: Int) async throws -> QueueDelivery?
}

/// Runs one kind of tool: the model calls and the PDF (`ToolWorkflows`), or a test's stand-in.
public protocol Workflow: Sendable {
    /// The result. Throws `WorkflowError` for a failure worth retrying or not.
    func run(_ input: RunInput, for run: Run) async throws -> WorkflowOutput
}

/// A run's result: its JSON object, what its model calls cost, and (Job Pack) its PDF, all stored
/// in the transaction that marks it succeeded.
public struct WorkflowOutput: Sendable, Equatable {
    public var resultJSON: String
    public var usage: RunUsage
    public var pdf: [UInt8]?

    public init(resultJSON: String, usage: RunUsage = RunUsage(), pdf: [UInt8]? = nil) {
        self.resultJSON = resultJSON
        self.usage = usage
        self.pdf = pdf
    }
}

public struct WorkflowError: Error, Sendable, CustomStringConvertible {
    /// Starts with the reason (`MODEL_UNAVAILABLE: …`); stored as the run's error_reason.
    public var reason: String
    public var retryable: Bool
    /// What the model calls of this attempt cost (stored with the run even when it fails).
    public var usage: RunUsage

    public init(reason: String, retryable: Bool, usage: RunUsage = RunUsage()) {
        self.reason = reason
        self.retryable = retryable
        self.usage = usage
    }

    public var description: String { reason }
}
