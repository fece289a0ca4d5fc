import Domain
import Synchronization

/// Every storage port of the domain on one in-memory state: universities, users, wallets and the
/// ledger, runs, codes and sessions. A transaction works on a copy of the state under one lock and
/// keeps it only when the body returns (a throw rolls back), so transactions are serialised and
/// atomic as SQLite's are; the domain's rules can then be tested without a database.
final class InMemoryStore: WalletStore, RunStore, AuthStore, UniversityRepository, UserRepository, LedgerAuditSource {
    struct StoredRun {
        var run: Run
        var input: RunInput
        var idempotencyKey: String?
        var requestHash: String
        var heartbeatAtUnix: Int64?
        var enqueuedAtUnix: Int64
        var pdf: [UInt8]? = nil
    }

    struct State {
        var universities: [UniversityID: University] = [:]
        var users: [String: User] = [:]
        var wallets: [String: Wallet] = [:]
        var ledger: [LedgerEntry] = []
        var runs: [String: StoredRun] = [:]
        var otps: [OtpRecord] = []
        var sessions: [String: SessionRecord] = [:]
    }

    private let state = Mutex(State())
    /// How many status queries the watch hub made.
    let statusQueries = Mutex(0)

    var snapshot: State { state.withLock { $0 } }

    func mutate<T>(_ body: (inout State) throws -> T) rethrows -> T {
        try state.withLock { try body(&$0) }
    }

    private func atomically<T>(_ body: (InMemoryTransaction) throws -> T) throws -> T {
        try state.withLock { state in
            let transaction = InMemoryTransaction(state)
            let result = try body(transaction)
            state = transaction.state
            return result
        }
    }

    // MARK: WalletStore, RunStore, AuthStore

    func transaction<T: Sendable>(_ body: @escaping @Sendable (any LedgerTransaction) throws -> T) async throws -> T {
        try atomically { try body($0) }
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (any RunTransaction) throws -> T) async throws -> T {
        try atomically { try body($0) }
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (any AuthTransaction) throws -> T) async throws -> T {
        try atomically { try body($0) }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any AuthTransaction) throws -> T) async throws -> T {
        try atomically { try body($0) }
    }

    func startRun(
        _ run: Run, input: RunInput, model: String, debit: LedgerEntry, idempotencyKey: String?, requestHash: String
    ) async throws -> StartRunOutcome {
        try atomically { tx in
            if let idempotencyKey,
                let earlier = try tx.run(in: run.universityID, userID: run.userID, idempotencyKey: idempotencyKey)
            {
                return .existing(earlier.run, requestHash: earlier.requestHash)
            }
            guard try tx.post(debit) else {
                return .insufficient(available: tx.state.wallets[run.userID]?.balance(run.cost.currency) ?? 0)
            }
            tx.state.runs[run.id] = StoredRun(
                run: run, input: input, idempotencyKey: idempotencyKey, requestHash: requestHash, heartbeatAtUnix: nil,
                enqueuedAtUnix: run.createdAtUnix)
            return .started
        }
    }

    func claimRun(id: String, nowUnix: Int64, takeOverBeforeUnix: Int64) async throws -> (run: Run, input: RunInput)? {
        try atomically { tx in
            guard var stored = tx.state.runs[id] else { return nil }
            let stale = (stored.heartbeatAtUnix ?? stored.run.createdAtUnix) < takeOverBeforeUnix
            guard
                stored.run.status == .queued
                    || (stored.run.status == .running && stored.run.attempts < stored.run.maxAttempts && stale)
            else { return nil }
            stored.run.status = .running
            stored.run.attempts += 1
            stored.run.updatedAtUnix = nowUnix
            stored.heartbeatAtUnix = nowUnix
            tx.state.runs[id] = stored
            return (stored.run, stored.input)
        }
    }

    func completeRun(id: String, attempt: Int, output: WorkflowOutput, nowUnix: Int64) async throws -> Bool {
        try atomically { tx in
            guard var stored = tx.state.runs[id], stored.run.status == .running, stored.run.attempts == attempt else {
                return false
            }
            stored.run.status = .succeeded
            stored.run.resultJSON = output.resultJSON
            stored.pdf = output.pdf
            tx.state.runs[id] = stored
            try tx.addUsage(runID: id, output.usage)
            stored = tx.state.runs[id]!
            stored.run.updatedAtUnix = nowUnix
            tx.state.runs[id] = stored
            tx.setDebitStatusNow(runID: id, .completed)
            return true
        }
    }

    func runStatuses(ids: [String]) async throws -> [String: Run.Status] {
        statusQueries.withLock { $0 += 1 }
        return state.withLock { state in
            var statuses: [String: Run.Status] = [:]
            for id in ids { if let run = state.runs[id]?.run { statuses[id] = run.status } }
            return statuses
        }
    }

    // MARK: UniversityRepository

    func create(_ draft: UniversityDraft, id: UniversityID, nowUnix: Int64) async throws -> University {
        try state.withLock { state in
            guard !state.universities.values.contains(where: { $0.subdomain == draft.subdomain }) else {
                throw DomainError(
                    .alreadyExists, reason: .subdomainTaken, "the subdomain '\(draft.subdomain)' is taken")
            }
            let university = University(
                id: id, name: draft.name, subdomain: draft.subdomain, allowedDomains: draft.allowedDomains,
                defaultSilver: draft.defaultSilver, defaultGold: draft.defaultGold, createdAtUnix: nowUnix)
            state.universities[id] = university
            return university
        }
    }

    func update(_ university: University, nowUnix: Int64) async throws -> University {
        state.withLock { $0.universities[university.id] = university }
        return university
    }

    func find(subdomain: String) async throws -> University? {
        state.withLock { $0.universities.values.first { $0.subdomain == subdomain } }
    }

    func find(id: UniversityID) async throws -> University? {
        state.withLock { $0.universities[id] }
    }

    func list(limit: Int) async throws -> [University] {
        state.withLock { Array($0.universities.values.sorted { $0.subdomain < $1.subdomain }.prefix(limit)) }
    }

    func count() async throws -> Int {
        state.withLock { $0.universities.count }
    }

    // MARK: UserRepository

    func create(in university: UniversityID, email: String, name: String, role: User.Role, nowUnix: Int64) async throws
        -> User
    {
        try state.withLock { state in
            guard !state.users.values.contains(where: { $0.universityID == university && $0.email == email }) else {
                throw DomainError(.alreadyExists, reason: .emailTaken, "a user with this email exists")
            }
            let user = User(
                id: TimeOrderedID.make(), universityID: university, email: email, name: name, emailVerified: false,
                googleID: nil, role: role, isPro: false, createdAtUnix: nowUnix)
            state.users[user.id] = user
            state.wallets[user.id] = Wallet(silver: 0, gold: 0, updatedAtUnix: nowUnix)
            return user
        }
    }

    func find(in university: UniversityID, email: String) async throws -> User? {
        state.withLock { $0.users.values.first { $0.universityID == university && $0.email == email } }
    }

    func find(in university: UniversityID, id: String) async throws -> User? {
        state.withLock { state in state.users[id].flatMap { $0.universityID == university ? $0 : nil } }
    }

    func list(in university: UniversityID, limit: Int) async throws -> [User] {
        state.withLock { Array($0.users.values.filter { $0.universityID == university }.prefix(limit)) }
    }

    func setPro(in university: UniversityID, userID: String, isPro: Bool) async throws -> Bool {
        state.withLock { state in
            guard state.users[userID]?.universityID == university else { return false }
            state.users[userID]?.isPro = isPro
            return true
        }
    }

    func setRole(in university: UniversityID, userID: String, role: User.Role) async throws -> Bool {
        state.withLock { state in
            guard state.users[userID]?.universityID == university else { return false }
            state.users[userID]?.role = role
            return true
        }
    }

    // MARK: LedgerAuditSource

    func figures() async throws -> LedgerAuditFigures {
        state.withLock { state in
            let wallets = state.wallets.map { userID, wallet in
                let rows = state.ledger.filter { $0.userID == userID }
                return LedgerAuditFigures.WalletFigures(
                    userID: userID, universityID: state.users[userID]?.universityID ?? UniversityID("?"),
                    wallet: wallet,
                    ledgerSilver: rows.filter { $0.currency == .silver }.reduce(0) { $0 + $1.amount },
                    ledgerGold: rows.filter { $0.currency == .gold }.reduce(0) { $0 + $1.amount })
            }
            let runs = state.runs.values.compactMap { stored -> LedgerAuditFigures.RunFigures? in
                let refunds = state.ledger.filter { $0.runID == stored.run.id && $0.kind == .refund }.count
                guard stored.run.status == .failed || refunds > 0 else { return nil }
                return LedgerAuditFigures.RunFigures(
                    id: stored.run.id, status: stored.run.status, costAmount: stored.run.cost.amount, refunds: refunds)
            }
            return LedgerAuditFigures(wallets: wallets, runs: runs)
        }
    }
}
