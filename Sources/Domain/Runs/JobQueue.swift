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

/// Runs one kind of tool: the MOCK fixtures here, the model calls later, behind the same port.
public protocol Workflow: Sendable {
    /// The result, a JSON object. Throws `WorkflowError` for a failure worth retrying or not.
    func run(_ input: RunInput) async throws -> String
}

public struct WorkflowError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var retryable: Bool

    public init(reason: String, retryable: Bool) {
        self.reason = reason
        self.retryable = retryable
    }

    public var description: String { reason }
}
