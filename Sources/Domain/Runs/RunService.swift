import Crypto
import Foundation

/// Starting, reading and watching runs. A start is the deduction flow: in one transaction the user
/// is checked, the cost looked up, the wallet debited (never below zero), and the debit row and the
/// run row written; after the commit the run id is queued.
public struct RunService: Sendable {
    public static let maxJobTitle = 200
    public static let maxCompany = 200
    public static let maxJobDescription = 20_000
    public static let maxResume = 30_000
    public static let maxProfileText = 30_000
    public static let maxURL = 2048
    public static let defaultMaxAttempts = 3

    private let store: any RunStore
    private let queue: any JobQueue
    private let costs: FeatureCosts
    private let clock: any WallClock
    private let statusHub: RunStatusHub
    private let roster: ModelRoster
    /// For the profile portal hosts a Skill Mapper URL is checked against at start (none: no URL is allowed).
    private let universities: (any UniversityRepository)?

    /// `statusHub` wakes watchers; share the one the process's worker announces to (by default a
    /// hub of its own, which finds every change by polling).
    public init(
        store: any RunStore, queue: any JobQueue, costs: FeatureCosts, clock: any WallClock = SystemWallClock(),
        statusHub: RunStatusHub? = nil, roster: ModelRoster = ModelRoster(),
        universities: (any UniversityRepository)? = nil
    ) {
        self.roster = roster
        self.universities = universities
        self.store = store
        self.queue = queue
        self.costs = costs
        self.clock = clock
        self.statusHub = statusHub ?? RunStatusHub(store: store)
    }

    public func start(_ input: RunInput, by principal: Principal, idempotencyKey: String?) async throws -> Run {
        try Self.validate(input)
        let key = try WalletService.validKey(idempotencyKey)
        let requestHash = Self.hash(input)
        let plan: Plan = principal.user.isPro ? .pro : .free
        // Recorded with the input: the model the plan chose at the start (the worker asks the roster again).
        let model = input.kind == .jobPack ? roster.jobPack(plan: plan).primary : roster.skillMapper.primary
        if case .skillMapper(let url, _, _) = input, !url.isEmpty {
            // Before any charge: a host the university does not list is refused here, not by a failed run.
            let hosts = try await universities?.find(id: principal.user.universityID)?.profilePortalHosts ?? []
            _ = try ProfileURLPolicy.check(url, allowedHosts: hosts)
        }
        let cost = costs.cost(of: input.kind.feature, plan: plan)
        let university = principal.user.universityID
        let userID = principal.user.id
        let now = clock.nowUnix
        let runID = TimeOrderedID.make()

        guard principal.user.emailVerified else {
            throw DomainError(.failedPrecondition, reason: .emailNotVerified, "verify your email before running tools")
        }
        let run = Run(
            id: runID, universityID: university, userID: userID, kind: input.kind, status: .queued, cost: cost,
            attempts: 0, maxAttempts: Self.defaultMaxAttempts, errorReason: nil, resultJSON: nil,
            createdAtUnix: now, updatedAtUnix: now, plan: plan)
        let debit = LedgerEntry(
            id: TimeOrderedID.make(), userID: userID, universityID: university, feature: input.kind.feature,
            currency: cost.currency, amount: -cost.amount, kind: .debit, runID: runID, status: .pending,
            metadata: LedgerEntry.metadata(["plan": plan.rawValue]), idempotencyKey: nil, createdAtUnix: now)
        switch try await store.startRun(
            run, input: input, model: model, debit: debit, idempotencyKey: key, requestHash: requestHash)
        {
        case .started:
            // After the commit. If this fails the run stays queued in the database and the sweeper queues it.
            try? await queue.enqueue(runID: run.id)
            return run
        case .existing(let earlier, let earlierHash):
            guard earlierHash == requestHash else {
                throw DomainError(
                    .alreadyExists, reason: .idempotencyKeyReused,
                    "this idempotency-key started a different run; use a new key for a new request")
            }
            return earlier
        case .insufficient(let available):
            throw DomainError(
                .resourceExhausted, reason: .insufficientCredits,
                "\(input.kind.feature.rawValue) costs \(cost.amount) \(cost.currency.rawValue); you have \(available)",
                details: [
                    "currency": cost.currency.rawValue, "required": "\(cost.amount)", "available": "\(available)",
                ])
        }
    }

    /// The run, for its owner or an admin of its university; NOT_FOUND otherwise (no hint it exists).
    public func get(id: String, by principal: Principal) async throws -> Run {
        guard !id.isEmpty, id.utf8.count <= 64 else { throw DomainError.invalidField("id", "must be a run id") }
        let user = principal.user
        let run = try await store.transaction { tx in try tx.run(in: user.universityID, id: id) }
        guard let run, run.userID == user.id || user.role != .student else {
            throw DomainError(.notFound, reason: .runNotFound, "no run \(id.prefix(64)) of yours")
        }
        return run
    }

    /// A succeeded Job Pack's PDF, for whoever may `get` the run.
    public func pdf(id: String, by principal: Principal) async throws -> [UInt8] {
        let run = try await get(id: id, by: principal)
        guard run.kind == .jobPack else {
            throw DomainError(.failedPrecondition, reason: .runHasNoPdf, "a \(run.kind.rawValue) run has no PDF")
        }
        guard run.status == .succeeded else {
            throw DomainError(
                .failedPrecondition, reason: .runNotSucceeded,
                "run \(run.id) is \(run.status.rawValue); its PDF exists once it has succeeded")
        }
        guard let pdf = try await store.transaction({ tx in try tx.runPDF(runID: run.id) }) else {
            throw DomainError(.failedPrecondition, reason: .runNotSucceeded, "run \(run.id) has no stored PDF")
        }
        return pdf
    }

    public func list(by principal: Principal, pageSize: Int32, pageToken: String) async throws -> (
        runs: [Run], next: String
    ) {
        let user = principal.user
        let page = try await PageCursor.page(size: pageSize, token: pageToken) { cursor, limit in
            try await store.transaction { tx in
                try tx.runs(in: user.universityID, userID: user.id, after: cursor, limit: limit)
            }
        }
        return (page.rows, page.next)
    }

    /// Calls `send` with the run now and after every status change, until a final state (or the
    /// caller's task is cancelled: deadline, CANCEL, disconnect). Between changes it waits on the
    /// status hub and does not touch the database.
    public func watch(id: String, by principal: Principal, send: @Sendable (Run) async throws -> Void) async throws {
        var last = try await get(id: id, by: principal)
        try await send(last)
        while !last.status.isFinal {
            await statusHub.waitForChange(of: id, from: last.status)
            try Task.checkCancellation()
            let current = try await get(id: id, by: principal)
            if current.status != last.status {
                try await send(current)
            }
            last = current
        }
    }

    static func validate(_ input: RunInput) throws {
        func check(_ field: String, _ value: String, max: Int, required: Bool) throws {
            if required && !hasVisibleText(value) {
                throw DomainError.invalidField(field, "is required")
            }
            // No more characters than UTF-8 bytes: counting characters (grapheme breaking) is only
            // needed when the bytes alone could be over the limit.
            guard value.utf8.count <= max || value.count <= max else {
                throw DomainError.invalidField(field, "at most \(max) characters (got \(value.count))")
            }
        }
        switch input {
        case .jobPack(let title, let company, let description, let resume):
            try check("job_title", title, max: maxJobTitle, required: true)
            try check("company", company, max: maxCompany, required: true)
            try check("job_description", description, max: maxJobDescription, required: true)
            try check("resume_text", resume, max: maxResume, required: true)
        case .skillMapper(let url, let profile, let resume):
            try check("profile_portal_url", url, max: maxURL, required: false)
            try check("profile_text", profile, max: maxProfileText, required: false)
            try check("resume_text", resume, max: maxResume, required: false)
            guard !(url.isEmpty && profile.isEmpty && resume.isEmpty) else {
                throw DomainError.invalidField("profile_text", "give a profile URL, profile text or a resume")
            }
            if !url.isEmpty {
                guard let parsed = URLComponents(string: url), parsed.scheme == "https" || parsed.scheme == "http",
                    parsed.host?.isEmpty == false
                else {
                    throw DomainError.invalidField("profile_portal_url", "must be an http(s) URL")
                }
            }
        }
    }

    /// Whether `text` has anything but white space. Stops at the first visible character, so a long
    /// résumé costs a few steps; Foundation's trimming copied the whole text through UTF-16 twice
    /// (a fifth of the server's time per start in the benchmark's profile).
    static func hasVisibleText(_ text: String) -> Bool {
        text.unicodeScalars.contains { !$0.properties.isWhitespace }
    }

    /// Identifies a request for idempotency: the same key with a different request is refused.
    static func hash(_ input: RunInput) -> String {
        let parts: [String]
        switch input {
        case .jobPack(let a, let b, let c, let d): parts = ["job_pack", a, b, c, d]
        case .skillMapper(let a, let b, let c): parts = ["skill_mapper", a, b, c]
        }
        // Length-prefixed so that no two different requests concatenate alike.
        let text = parts.map { "\($0.utf8.count):\($0)" }.joined()
        return SHA256.hash(data: Array(text.utf8)).hex
    }
}
