/// A synchronous tool call, as kept for idempotency and refunds: its debit is written when it
/// starts, and it ends succeeded (debit completed, result kept) or failed (debit failed, one refund).
public struct ToolCall: Sendable, Equatable {
    public enum Status: String, Sendable { case pending, succeeded, failed }

    public var id: String
    public var universityID: UniversityID
    public var userID: String
    public var feature: Feature
    public var status: Status
    public var cost: Cost
    public var debitID: String
    public var requestHash: String
    public var resultJSON: String?
    public var errorReason: String?
    public var createdAtUnix: Int64

    public init(
        id: String, universityID: UniversityID, userID: String, feature: Feature, status: Status, cost: Cost,
        debitID: String, requestHash: String, resultJSON: String? = nil, errorReason: String? = nil,
        createdAtUnix: Int64
    ) {
        self.id = id
        self.universityID = universityID
        self.userID = userID
        self.feature = feature
        self.status = status
        self.cost = cost
        self.debitID = debitID
        self.requestHash = requestHash
        self.resultJSON = resultJSON
        self.errorReason = errorReason
        self.createdAtUnix = createdAtUnix
    }
}

public protocol ToolCallTransaction: LedgerTransaction {
    /// The call this user started with this key.
    func toolCall(userID: String, idempotencyKey: String) throws -> ToolCall?
    func insertToolCall(_ call: ToolCall, idempotencyKey: String?) throws
    /// pending → succeeded|failed with its result or reason; false when it was no longer pending.
    func finishToolCall(id: String, status: ToolCall.Status, resultJSON: String?, errorReason: String?, nowUnix: Int64)
        throws -> Bool
    /// The debit row's status (pending → completed or failed).
    func setDebitStatus(entryID: String, _ status: LedgerEntry.Status) throws
    /// Pending calls started before `startedBeforeUnix` (their process died mid-call), oldest first.
    func staleToolCalls(startedBeforeUnix: Int64, limit: Int) throws -> [ToolCall]
}

public protocol ToolCallStore: Sendable {
    func toolTransaction<T: Sendable>(_ body: @escaping @Sendable (any ToolCallTransaction) throws -> T) async throws
        -> T
}
