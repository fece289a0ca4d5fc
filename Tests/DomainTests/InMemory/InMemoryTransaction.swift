import Domain

/// One transaction of `InMemoryStore`: works on its own copy of the state, which the store keeps only
/// when the body returns.
final class InMemoryTransaction: RunTransaction, AuthTransaction {
    var state: InMemoryStore.State

    init(_ state: InMemoryStore.State) {
        self.state = state
    }

    // MARK: LedgerTransaction

    func user(in university: UniversityID, id: String) throws -> User? {
        state.users[id].flatMap { $0.universityID == university ? $0 : nil }
    }

    func universityOfUser(id: String) throws -> UniversityID? {
        state.users[id]?.universityID
    }

    func wallet(in university: UniversityID, userID: String) throws -> Wallet? {
        guard state.users[userID]?.universityID == university else { return nil }
        return state.wallets[userID]
    }

    func post(_ entry: LedgerEntry) throws -> Bool {
        guard var wallet = state.wallets[entry.userID], state.users[entry.userID]?.universityID == entry.universityID
        else {
            throw InMemoryError("no wallet for user \(entry.userID)")
        }
        switch entry.currency {
        case .silver:
            guard wallet.silver + entry.amount >= 0 else { return false }
            wallet.silver += entry.amount
        case .gold:
            guard wallet.gold + entry.amount >= 0 else { return false }
            wallet.gold += entry.amount
        }
        wallet.updatedAtUnix = entry.createdAtUnix
        state.wallets[entry.userID] = wallet
        state.ledger.append(entry)
        return true
    }

    func entry(in university: UniversityID, userID: String, idempotencyKey: String) throws -> LedgerEntry? {
        state.ledger.first {
            $0.universityID == university && $0.userID == userID && $0.idempotencyKey == idempotencyKey
        }
    }

    func entries(in university: UniversityID, userID: String, after cursor: PageCursor?, limit: Int) throws
        -> [LedgerEntry]
    {
        Self.newestFirst(
            state.ledger.filter { $0.universityID == university && $0.userID == userID }, after: cursor, limit: limit,
            key: { PageCursor(createdAtUnix: $0.createdAtUnix, id: $0.id) })
    }

    func setDebitStatus(runID: String, _ status: LedgerEntry.Status) throws {
        setDebitStatusNow(runID: runID, status)
    }

    func setDebitStatusNow(runID: String, _ status: LedgerEntry.Status) {
        for index in state.ledger.indices where state.ledger[index].runID == runID && state.ledger[index].kind == .debit
        {
            state.ledger[index].status = status
        }
    }

    static func newestFirst<Row>(_ rows: [Row], after cursor: PageCursor?, limit: Int, key: (Row) -> PageCursor)
        -> [Row]
    {
        let sorted = rows.sorted {
            let (a, b) = (key($0), key($1))
            return a.createdAtUnix != b.createdAtUnix ? a.createdAtUnix > b.createdAtUnix : a.id > b.id
        }
        let after = sorted.filter { row in
            guard let cursor else { return true }
            let k = key(row)
            return k.createdAtUnix < cursor.createdAtUnix
                || (k.createdAtUnix == cursor.createdAtUnix && k.id < cursor.id)
        }
        return Array(after.prefix(limit))
    }

    // MARK: RunTransaction

    func run(in university: UniversityID, id: String) throws -> Run? {
        state.runs[id].flatMap { $0.run.universityID == university ? $0.run : nil }
    }

    func run(in university: UniversityID, userID: String, idempotencyKey: String) throws -> (
        run: Run, requestHash: String
    )? {
        state.runs.values.first {
            $0.run.universityID == university && $0.run.userID == userID && $0.idempotencyKey == idempotencyKey
        }.map { ($0.run, $0.requestHash) }
    }

    func runs(in university: UniversityID, userID: String, after cursor: PageCursor?, limit: Int) throws -> [Run] {
        Self.newestFirst(
            state.runs.values.map(\.run).filter { $0.universityID == university && $0.userID == userID },
            after: cursor, limit: limit, key: { PageCursor(createdAtUnix: $0.createdAtUnix, id: $0.id) })
    }

    func runForWorker(id: String) throws -> (run: Run, input: RunInput)? {
        state.runs[id].map { ($0.run, $0.input) }
    }

    func addUsage(runID: String, _ usage: RunUsage) throws {
        guard var run = state.runs[runID]?.run else { return }
        if !usage.model.isEmpty { run.usage.model = usage.model }
        run.usage.promptTokens += usage.promptTokens
        run.usage.completionTokens += usage.completionTokens
        run.usage.cachedTokens += usage.cachedTokens
        run.usage.modelCalls += usage.modelCalls
        state.runs[runID]?.run = run
    }

    func runPDF(runID: String) throws -> [UInt8]? {
        state.runs[runID]?.pdf
    }

    func heartbeat(runID: String, attempt: Int, nowUnix: Int64) throws {
        guard state.runs[runID]?.run.status == .running, state.runs[runID]?.run.attempts == attempt else { return }
        state.runs[runID]?.heartbeatAtUnix = nowUnix
    }

    func failRun(id: String, attempt: Int, reason: String, nowUnix: Int64) throws -> Bool {
        guard let status = state.runs[id]?.run.status, !status.isFinal, state.runs[id]?.run.attempts == attempt
        else { return false }
        state.runs[id]?.run.status = .failed
        state.runs[id]?.run.errorReason = reason
        state.runs[id]?.run.updatedAtUnix = nowUnix
        return true
    }

    func requeueRun(id: String, attempt: Int, nowUnix: Int64) throws -> Bool {
        guard state.runs[id]?.run.status == .running, state.runs[id]?.run.attempts == attempt else { return false }
        state.runs[id]?.run.status = .queued
        state.runs[id]?.enqueuedAtUnix = nowUnix
        return true
    }

    func requeueStaleRun(id: String, nowUnix: Int64, heartbeatBeforeUnix: Int64) throws -> Bool {
        guard let stored = state.runs[id], stored.run.status == .running,
            (stored.heartbeatAtUnix ?? stored.run.createdAtUnix) < heartbeatBeforeUnix
        else { return false }
        return try requeueRun(id: id, attempt: stored.run.attempts, nowUnix: nowUnix)
    }

    func runsNeedingAttention(queuedBeforeUnix: Int64, heartbeatBeforeUnix: Int64, limit: Int) throws -> [Run] {
        Array(
            state.runs.values.filter {
                ($0.run.status == .queued && $0.enqueuedAtUnix < queuedBeforeUnix)
                    || ($0.run.status == .running && ($0.heartbeatAtUnix ?? $0.run.createdAtUnix) < heartbeatBeforeUnix)
            }.map(\.run).prefix(limit))
    }

    func markEnqueued(runID: String, nowUnix: Int64) throws {
        guard state.runs[runID]?.run.status == .queued else { return }
        state.runs[runID]?.enqueuedAtUnix = nowUnix
    }

    func statusSnapshot() throws -> RunStatusSnapshot {
        let runs = state.runs.values
        let counts = Dictionary(grouping: runs, by: \.run.status).mapValues { Int64($0.count) }
        let oldest = runs.filter { $0.run.status == .queued }.map(\.enqueuedAtUnix).min()
        return RunStatusSnapshot(counts: counts, oldestQueuedAtUnix: oldest)
    }

    // MARK: AuthTransaction

    func otps(in university: UniversityID, email: String, sinceUnix: Int64, limit: Int) throws -> [OtpRecord] {
        Array(
            state.otps.filter { $0.universityID == university && $0.email == email && $0.createdAtUnix >= sinceUnix }
                .reversed().prefix(limit))
    }

    func lockOtpRequests(in university: UniversityID, email: String) throws {}  // transactions are serialised

    func retireOtps(in university: UniversityID, email: String) throws {
        for index in state.otps.indices
        where state.otps[index].universityID == university && state.otps[index].email == email {
            state.otps[index].consumed = true
        }
    }

    func insertOtp(_ otp: OtpRecord) throws {
        state.otps.append(otp)
    }

    func countWrongAttempt(otpID: String, maxAttempts: Int) throws -> Int? {
        guard let index = state.otps.firstIndex(where: { $0.id == otpID }), !state.otps[index].consumed,
            state.otps[index].attempts < maxAttempts
        else { return nil }
        state.otps[index].attempts += 1
        return state.otps[index].attempts
    }

    func consumeOtp(otpID: String) throws -> Bool {
        guard let index = state.otps.firstIndex(where: { $0.id == otpID }), !state.otps[index].consumed else {
            return false
        }
        state.otps[index].consumed = true
        return true
    }

    func user(in university: UniversityID, email: String) throws -> User? {
        state.users.values.first { $0.universityID == university && $0.email == email }
    }

    func user(in university: UniversityID, googleID: String) throws -> User? {
        state.users.values.first { $0.universityID == university && $0.googleID == googleID }
    }

    func createUser(_ user: User, grants: [LedgerEntry]) throws {
        guard state.users[user.id] == nil, try self.user(in: user.universityID, email: user.email) == nil else {
            throw DomainError(.alreadyExists, reason: .emailTaken, "a user with this email exists")
        }
        state.users[user.id] = user
        state.wallets[user.id] = Wallet(silver: 0, gold: 0, updatedAtUnix: user.createdAtUnix)
        for grant in grants {
            guard try post(grant) else { throw InMemoryError("a grant was refused") }
        }
    }

    func markVerified(in university: UniversityID, userID: String, googleID: String?, name: String?) throws {
        guard var user = try self.user(in: university, id: userID) else { return }
        user.emailVerified = true
        if let googleID { user.googleID = googleID }
        if user.name.isEmpty, let name { user.name = name }
        state.users[userID] = user
    }

    func insertSession(_ session: SessionRecord) throws {
        state.sessions[session.tokenHash] = session
    }

    func session(tokenHash: String) throws -> (session: SessionRecord, user: User, subdomain: String)? {
        guard let session = state.sessions[tokenHash], let user = state.users[session.userID],
            let university = state.universities[session.universityID]
        else { return nil }
        return (session, user, university.subdomain)
    }

    func revokeSession(tokenHash: String, nowUnix: Int64) throws -> Bool {
        guard let session = state.sessions[tokenHash], session.revokedAtUnix == nil else { return false }
        state.sessions[tokenHash]?.revokedAtUnix = nowUnix
        return true
    }
}

struct InMemoryError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
