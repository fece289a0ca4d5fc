/// Where runs are kept, beside the wallets they are paid from: a run's debit and its refund are
/// written with the run's own changes, in one transaction.
public protocol RunStore: Sendable {
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any RunTransaction) throws -> T) async throws -> T

    // The hot paths, each one atomic step (an engine may do it in fewer round trips than a
    // transaction of separate statements).

    /// The deduction's writes: post `debit` (the run's cost, negative) unless the balance is short,
    /// the run row and its input — all or nothing. With an `idempotencyKey` already used by this
    /// user, nothing is written and the earlier run is returned.
    func startRun(
        _ run: Run, input: RunInput, model: String, debit: LedgerEntry, idempotencyKey: String?,
        requestHash: String
    ) async throws -> StartRunOutcome
    /// queued → running, attempts + 1, with its input. Also takes over a run still `running` whose
    /// worker has not beaten since `takeOverBeforeUnix` and that has attempts left: its worker died
    /// and the queue delivered it again (XAUTOCLAIM). Nil otherwise (a live worker has it, or it is
    /// done, or out of attempts — the sweeper fails and refunds those).
    func claimRun(id: String, nowUnix: Int64, takeOverBeforeUnix: Int64) async throws -> (run: Run, input: RunInput)?
    /// running → succeeded with the result, its usage and PDF stored and its debit row completed, in
    /// one transaction; false when it was not running at `attempt` (another worker took it over).
    func completeRun(id: String, attempt: Int, output: WorkflowOutput, nowUnix: Int64) async throws -> Bool
    /// The status of each of these runs that exists, whichever university it belongs to (for the
    /// watch hub, which only decides whom to wake; callers read their run with its access check).
    func runStatuses(ids: [String]) async throws -> [String: Run.Status]
}

public enum StartRunOutcome: Sendable, Equatable {
    case started
    case insufficient(available: Int64)
    case existing(Run, requestHash: String)
}

/// What run changes may do inside one transaction, with the ledger's (a refund is a ledger post).
public protocol RunTransaction: LedgerTransaction {
    func run(in university: UniversityID, id: String) throws -> Run?
    /// The run an earlier call with this key started, with the hash of that call's request.
    func run(in university: UniversityID, userID: String, idempotencyKey: String) throws -> (
        run: Run, requestHash: String
    )?
    func runs(in university: UniversityID, userID: String, after cursor: PageCursor?, limit: Int) throws -> [Run]

    // Workers: these address a run by id alone (a worker serves every university).
    func runForWorker(id: String) throws -> (run: Run, input: RunInput)?
    /// Only while the run is running at `attempt`: a worker that was taken over beats for nothing.
    func heartbeat(runID: String, attempt: Int, nowUnix: Int64) throws
    /// Adds an attempt's tokens and model calls to the run's (and names the model, when it has one).
    func addUsage(runID: String, _ usage: RunUsage) throws
    /// A succeeded run's PDF.
    func runPDF(runID: String) throws -> [UInt8]?
    /// running|queued at `attempt` → failed with the reason; false when it was already final or has
    /// moved on to another attempt (a worker that was taken over fails nothing).
    func failRun(id: String, attempt: Int, reason: String, nowUnix: Int64) throws -> Bool
    /// running at `attempt` → queued (another attempt, or a worker shutting down).
    func requeueRun(id: String, attempt: Int, nowUnix: Int64) throws -> Bool
    /// running → queued only while its worker has still not beaten since `heartbeatBeforeUnix`: the
    /// sweeper's step, which must not move a run another worker has just taken over.
    func requeueStaleRun(id: String, nowUnix: Int64, heartbeatBeforeUnix: Int64) throws -> Bool
    /// Queued runs not picked up since `queuedBeforeUnix`, and running runs whose worker has not
    /// been heard from since `heartbeatBeforeUnix`.
    func runsNeedingAttention(queuedBeforeUnix: Int64, heartbeatBeforeUnix: Int64, limit: Int) throws -> [Run]
    func markEnqueued(runID: String, nowUnix: Int64) throws
    /// How many runs are in each status, and since when the longest-waiting queued run has waited.
    func statusSnapshot() throws -> RunStatusSnapshot
}

/// The runs by status, for metrics.
public struct RunStatusSnapshot: Sendable, Equatable {
    public var counts: [Run.Status: Int64]
    /// When the longest-waiting queued run was (re)queued; nil when none is.
    public var oldestQueuedAtUnix: Int64?

    public init(counts: [Run.Status: Int64], oldestQueuedAtUnix: Int64?) {
        self.counts = counts
        self.oldestQueuedAtUnix = oldestQueuedAtUnix
    }
}
