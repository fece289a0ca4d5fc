import Domain

/// Runs on SQLite: each hot path one transaction of portable statements (SQLite serialises writers,
/// so one transaction costs no more than one statement would).
struct SQLiteRunStore: SQLRunStore {
    let database: any SQLDatabase

    public func startRun(
        _ run: Run, input: RunInput, model: String, debit: LedgerEntry, idempotencyKey: String?,
        requestHash: String
    ) async throws -> StartRunOutcome {
        precondition(debit.amount == -run.cost.amount && debit.kind == .debit, "the debit is the run's cost")
        do {
            return try await sqlTransaction { tx in
                if let idempotencyKey,
                    let earlier = try tx.run(in: run.universityID, userID: run.userID, idempotencyKey: idempotencyKey)
                {
                    return .existing(earlier.run, requestHash: earlier.requestHash)
                }
                // The run first: its debit row refers to it.
                try tx.insertRun(
                    run, input: input, model: model, idempotencyKey: idempotencyKey, requestHash: requestHash)
                guard try tx.post(debit) else {
                    let available = try tx.wallet(in: run.universityID, userID: run.userID)?.balance(run.cost.currency)
                    throw NotCovered(available: available ?? 0)  // rolls the run back
                }
                return .started
            }
        } catch let short as NotCovered {
            return .insufficient(available: short.available)
        }
    }

    /// Thrown out of the transaction to undo the run row when its debit is not covered.
    private struct NotCovered: Error {
        let available: Int64
    }

    public func claimRun(id: String, nowUnix: Int64, takeOverBeforeUnix: Int64) async throws -> (
        run: Run, input: RunInput
    )? {
        try await sqlTransaction { tx in
            guard try tx.claim(id: id, nowUnix: nowUnix, takeOverBeforeUnix: takeOverBeforeUnix) != nil else {
                return nil
            }
            return try tx.runForWorker(id: id)
        }
    }

    public func completeRun(id: String, attempt: Int, output: WorkflowOutput, nowUnix: Int64) async throws -> Bool {
        try await sqlTransaction { tx in
            guard try tx.complete(id: id, attempt: attempt, output: output, nowUnix: nowUnix) else { return false }
            try tx.setDebitStatus(runID: id, .completed)
            return true
        }
    }
}
