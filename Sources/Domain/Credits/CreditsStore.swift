/// Where wallets, the ledger and runs are kept. `transaction` runs the body in one database
/// transaction (repeatable: it may be retried after a serialization failure), so a balance never
/// changes without its ledger row, and a run never exists without its debit.
public protocol CreditsStore: Sendable {
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any CreditsTransaction) throws -> T) async throws -> T

    // The hot paths, each one atomic step (the adapter may do it in fewer round trips than a
    // transaction of separate statements).

    /// The deduction's writes: debit `run.cost` unless the balance is short, the run row, its input,
    /// and `debit` (the ledger row) — all or nothing. With an `idempotencyKey` already used by this
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
    /// running → succeeded with the result, and its debit row completed; false when it was not running.
    func completeRun(id: String, resultJSON: String, nowUnix: Int64) async throws -> Bool
    /// The status of each of these runs that exists, whichever university it belongs to (for the
    /// watch hub, which only decides whom to wake; callers read their run with its access check).
    func runStatuses(ids: [String]) async throws -> [String: Run.Status]
}

public enum StartRunOutcome: Sendable, Equatable {
    case started
    case insufficient(available: Int64)
    case existing(Run, requestHash: String)
}

/// What credit and run changes may do inside one transaction. Every call names the university.
public protocol CreditsTransaction {
    func user(in university: UniversityID, id: String) throws -> User?
    /// The university of the user with this id, whichever it is: only for platform-wide callers.
    func universityOfUser(id: String) throws -> UniversityID?
    func wallet(in university: UniversityID, userID: String) throws -> Wallet?
    /// Takes `amount` unless the balance is smaller (one conditional UPDATE): false then.
    func debit(in university: UniversityID, userID: String, currency: Currency, amount: Int64, nowUnix: Int64) throws
        -> Bool
    func credit(in university: UniversityID, userID: String, currency: Currency, amount: Int64, nowUnix: Int64) throws
    func insertEntry(_ entry: LedgerEntry) throws
    func entry(in university: UniversityID, userID: String, idempotencyKey: String) throws -> LedgerEntry?
    /// Newest first, strictly after `cursor` when given.
    func entries(in university: UniversityID, userID: String, after cursor: PageCursor?, limit: Int) throws
        -> [LedgerEntry]
    /// Marks the run's debit row `status`.
    func setDebitStatus(runID: String, _ status: LedgerEntry.Status) throws

    func run(in university: UniversityID, id: String) throws -> Run?
    /// The run an earlier call with this key started, with the hash of that call's request.
    func run(in university: UniversityID, userID: String, idempotencyKey: String) throws -> (
        run: Run, requestHash: String
    )?
    func runs(in university: UniversityID, userID: String, after cursor: PageCursor?, limit: Int) throws -> [Run]

    // Workers: these address a run by id alone (a worker serves every university).
    func runForWorker(id: String) throws -> (run: Run, input: RunInput)?
    func heartbeat(runID: String, nowUnix: Int64) throws
    /// running|queued → failed with the reason; false when it was already final.
    func failRun(id: String, reason: String, nowUnix: Int64) throws -> Bool
    /// running → queued (another attempt, or a worker shutting down).
    func requeueRun(id: String, nowUnix: Int64) throws -> Bool
    /// running → queued only while its worker has still not beaten since `heartbeatBeforeUnix`: the
    /// sweeper's step, which must not move a run another worker has just taken over.
    func requeueStaleRun(id: String, nowUnix: Int64, heartbeatBeforeUnix: Int64) throws -> Bool
    /// Queued runs not picked up since `queuedBeforeUnix`, and running runs whose worker has not
    /// been heard from since `heartbeatBeforeUnix`.
    func runsNeedingAttention(queuedBeforeUnix: Int64, heartbeatBeforeUnix: Int64, limit: Int) throws -> [Run]
    func markEnqueued(runID: String, nowUnix: Int64) throws
}
