import Crypto
import Foundation

/// The synchronous tools. Internship Finder: the debit and the call row are written first (one
/// transaction), then the model is asked within the call's deadline, then the call ends succeeded
/// (debit completed) or failed (debit failed, a refund row, credits back) — the end is committed
/// even when the caller has gone. A retry with the same idempotency-key gets the first call's
/// answer and is never charged again. Referral Trainer: templates, charged the same way.
public struct ToolService: Sendable {
    /// Time kept back from the caller's deadline for the refund and the answer.
    public static let deadlineMargin = Duration.seconds(1)
    /// The model's time when the caller gave no deadline.
    public static let defaultModelTime = Duration.seconds(60)

    private let store: any ToolCallStore
    private let costs: FeatureCosts
    private let call: StructuredModelCall
    private let roster: ModelRoster
    private let drafter: any ReferralDrafter
    private let clock: any WallClock

    public init(
        store: any ToolCallStore, costs: FeatureCosts, call: StructuredModelCall, roster: ModelRoster,
        drafter: any ReferralDrafter, clock: any WallClock = SystemWallClock()
    ) {
        self.store = store
        self.costs = costs
        self.call = call
        self.roster = roster
        self.drafter = drafter
        self.clock = clock
    }

    /// A failure of a charged call, after its refund was committed.
    public static func refundedFailure(_ reason: ErrorReason, _ message: String) -> DomainError {
        DomainError(.unavailable, reason: reason, message, details: ["refunded": "true"])
    }

    public func findInternships(
        _ query: InternshipQuery, by principal: Principal, idempotencyKey: String?, timeLeft: Duration?
    ) async throws -> InternshipSuggestions {
        try InternshipFinderTool.check(query)
        let hash = Self.hash(
            ["internship_finder", query.location, query.resumeText] + query.interests + ["|"] + query.skills)
        let json = try await charged(.internshipFinder, by: principal, idempotencyKey: idempotencyKey, hash: hash) {
            let budget = min(
                (timeLeft ?? Self.defaultModelTime + Self.deadlineMargin) - Self.deadlineMargin, Self.defaultModelTime)
            guard budget > .zero else {
                throw ModelFailure(
                    reason: .modelUnavailable, message: "the call's deadline leaves no time for the model",
                    usage: RunUsage())
            }
            let (result, _) = try await Self.within(budget) {
                try await call.run(
                    roster.internshipFinder, messages: InternshipFinderTool.messages(query),
                    schema: InternshipFinderTool.schema, purpose: "tool=internship_finder user=\(principal.user.id)",
                    validate: InternshipFinderTool.validate)
            }
            return ToolOutput.encode(result)
        }
        guard case .success(let result) = ToolOutput.decode(InternshipSuggestions.self, from: json) else {
            throw Self.unreadableStoredResult
        }
        return result
    }

    public func draftReferral(_ request: ReferralRequest, by principal: Principal, idempotencyKey: String?) async throws
        -> [ReferralMessage]
    {
        let request = try ReferralTool.check(request)
        let hash = Self.hash(
            ["referral_trainer", request.company, request.role, request.contactName, request.relationship.rawValue]
                + request.highlights)
        let json = try await charged(.referralTrainer, by: principal, idempotencyKey: idempotencyKey, hash: hash) {
            let messages = try drafter.draft(request)
            try ReferralTool.checkDrafts(messages, for: request)
            return ToolOutput.encode(ReferralDrafts(messages: messages))
        }
        guard case .success(let drafts) = ToolOutput.decode(ReferralDrafts.self, from: json) else {
            throw Self.unreadableStoredResult
        }
        return drafts.messages
    }

    /// A stored result this service did not write (the database was edited): an error, not a crash.
    static let unreadableStoredResult = DomainError(
        .internal, reason: .invalidArgument, "the stored result of this call cannot be read")

    private struct ReferralDrafts: Codable {
        var messages: [ReferralMessage]
    }

    /// Charges, runs `work`, and ends the call (refunding a failure); returns the result JSON.
    private func charged(
        _ feature: Feature, by principal: Principal, idempotencyKey: String?, hash: String,
        work: @escaping @Sendable () async throws -> String
    ) async throws -> String {
        guard principal.user.emailVerified else {
            throw DomainError(.failedPrecondition, reason: .emailNotVerified, "verify your email before using tools")
        }
        let key = try WalletService.validKey(idempotencyKey)
        let user = principal.user
        let plan: Plan = user.isPro ? .pro : .free
        let cost = costs.cost(of: feature, plan: plan)
        let now = clock.nowUnix
        let call = ToolCall(
            id: TimeOrderedID.make(), universityID: user.universityID, userID: user.id, feature: feature,
            status: .pending, cost: cost, debitID: TimeOrderedID.make(), requestHash: hash, createdAtUnix: now)
        let debit = LedgerEntry(
            id: call.debitID, userID: user.id, universityID: user.universityID, feature: feature,
            currency: cost.currency, amount: -cost.amount, kind: .debit, runID: nil, status: .pending,
            metadata: LedgerEntry.metadata(["plan": plan.rawValue, "tool_call": call.id]), idempotencyKey: nil,
            createdAtUnix: now)
        let begun: BeginOutcome
        do {
            begun = try await store.toolTransaction { tx in
                if let key, let earlier = try tx.toolCall(userID: user.id, idempotencyKey: key) {
                    return .existing(earlier)
                }
                try tx.insertToolCall(call, idempotencyKey: key)
                let covered = try cost.amount == 0 || tx.post(debit)
                guard covered else {
                    throw NotCovered(
                        available: try tx.wallet(in: user.universityID, userID: user.id)?.balance(cost.currency) ?? 0)
                }
                return .started
            }
        } catch let short as NotCovered {
            throw DomainError(
                .resourceExhausted, reason: .insufficientCredits,
                "\(feature.rawValue) costs \(cost.amount) \(cost.currency.rawValue); you have \(short.available)",
                details: [
                    "currency": cost.currency.rawValue, "required": "\(cost.amount)", "available": "\(short.available)",
                ])
        }
        if case .existing(let earlier) = begun {
            return try Self.replay(earlier, hash: hash)
        }
        do {
            let json = try await work()
            try await finish(call, succeeded: json)
            return json
        } catch {
            let (reason, message) = Self.failure(error)
            try await finish(call, failed: "\(reason.rawValue): \(message)")
            throw Self.refundedFailure(reason, message)
        }
    }

    private enum BeginOutcome: Sendable {
        case started
        case existing(ToolCall)
    }

    private struct NotCovered: Error {
        let available: Int64
    }

    /// What a repeated key answers: the first call's result or failure, never a second charge.
    static func replay(_ earlier: ToolCall, hash: String) throws -> String {
        guard earlier.requestHash == hash else {
            throw DomainError(
                .alreadyExists, reason: .idempotencyKeyReused,
                "this idempotency-key was used for a different request; use a new key for a new request")
        }
        switch earlier.status {
        case .succeeded:
            return earlier.resultJSON ?? "{}"
        case .pending:
            throw DomainError(.aborted, reason: .toolCallInProgress, "the first call with this key is still running")
        case .failed:
            let stored = earlier.errorReason ?? ""
            let code = stored.split(separator: ":", maxSplits: 1).first.map { String($0) } ?? ""
            let reason = ErrorReason.toolReasons.first { $0.rawValue == code } ?? .modelUnavailable
            throw Self.refundedFailure(reason, stored)
        }
    }

    static func failure(_ error: any Error) -> (ErrorReason, String) {
        switch error {
        case let failure as ModelFailure: return (failure.reason, failure.message)
        case let error as DomainError: return (ErrorReason(rawValue: error.reason), error.message)
        case is CancellationError: return (.modelUnavailable, "the call was cancelled before the model answered")
        default: return (.modelUnavailable, "\(error)")
        }
    }

    /// Ends the call in its own task: a cancelled caller (deadline, disconnect) must not leave its
    /// debit pending, so the commit does not inherit the caller's cancellation.
    private func finish(_ call: ToolCall, succeeded json: String? = nil, failed reason: String? = nil) async throws {
        let store = self.store
        let now = clock.nowUnix
        let refunded = try await Task {
            try await store.toolTransaction { tx in
                try ToolService.end(call, in: tx, resultJSON: json, errorReason: reason, nowUnix: now)
            }
        }.value
        if refunded { DomainMetrics.refunded(call.feature, call.cost) }
    }

    /// The end of a call inside a transaction: succeeded completes the debit; failed fails it and
    /// refunds, once (the pending → failed change is the guard). True when it wrote a refund.
    static func end(
        _ call: ToolCall, in tx: any ToolCallTransaction, resultJSON: String?, errorReason: String?, nowUnix: Int64
    ) throws -> Bool {
        let status: ToolCall.Status = errorReason == nil ? .succeeded : .failed
        guard
            try tx.finishToolCall(
                id: call.id, status: status, resultJSON: resultJSON, errorReason: errorReason, nowUnix: nowUnix)
        else { return false }
        guard call.cost.amount > 0 else { return false }
        try tx.setDebitStatus(entryID: call.debitID, status == .succeeded ? .completed : .failed)
        guard status == .failed else { return false }
        let refunded = try tx.post(
            LedgerEntry(
                id: TimeOrderedID.make(), userID: call.userID, universityID: call.universityID, feature: call.feature,
                currency: call.cost.currency, amount: call.cost.amount, kind: .refund, runID: nil, status: .completed,
                metadata: LedgerEntry.metadata([
                    "tool_call": call.id, "reason": String((errorReason ?? "").prefix(200)),
                ]), idempotencyKey: nil, createdAtUnix: nowUnix))
        assert(refunded, "a refund adds credits and is never refused")
        return true
    }

    /// Fails and refunds pending calls whose process died mid-call (the sweeper's step).
    public func failStaleCalls(olderThan age: Duration, limit: Int = 100) async throws -> Int {
        let now = clock.nowUnix
        let before = now - age.wholeSeconds
        let (count, refunded) = try await store.toolTransaction { tx -> (Int, [ToolCall]) in
            let stale = try tx.staleToolCalls(startedBeforeUnix: before, limit: limit)
            let refunded = try stale.filter { call in
                try ToolService.end(
                    call, in: tx, resultJSON: nil,
                    errorReason: "\(ErrorReason.modelUnavailable.rawValue): the server stopped during the call",
                    nowUnix: now)
            }
            return (stale.count, refunded)
        }
        for call in refunded { DomainMetrics.refunded(call.feature, call.cost) }
        return count
    }

    static func within<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws
        -> T
    {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw ModelFailure(
                    reason: .modelUnavailable,
                    message: "no answer within \(limit.wholeMilliseconds) ms (the call's deadline)", usage: RunUsage())
            }
            return value
        }
    }

    static func hash(_ parts: [String]) -> String {
        let text = parts.map { "\($0.utf8.count):\($0)" }.joined()
        return SHA256.hash(data: Array(text.utf8)).hex
    }
}
