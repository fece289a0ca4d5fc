/// A paid tool run: queued, then running on a worker, then succeeded or failed (and refunded).
public struct Run: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case jobPack = "job_pack"
        case skillMapper = "skill_mapper"

        public var feature: Feature { self == .jobPack ? .jobPack : .skillMapper }
    }

    public enum Status: String, Sendable {
        case queued, running, succeeded, failed

        public var isFinal: Bool { self == .succeeded || self == .failed }
    }

    public var id: String
    public var universityID: UniversityID
    public var userID: String
    public var kind: Kind
    public var status: Status
    public var cost: Cost
    public var attempts: Int
    public var maxAttempts: Int
    public var errorReason: String?
    public var resultJSON: String?
    public var createdAtUnix: Int64
    public var updatedAtUnix: Int64
    /// The plan the student was on at the start: it chose the price and the model.
    public var plan: Plan
    public var usage: RunUsage

    public init(
        id: String, universityID: UniversityID, userID: String, kind: Kind, status: Status, cost: Cost, attempts: Int,
        maxAttempts: Int, errorReason: String?, resultJSON: String?, createdAtUnix: Int64, updatedAtUnix: Int64,
        plan: Plan = .free, usage: RunUsage = RunUsage()
    ) {
        self.plan = plan
        self.usage = usage
        self.id = id
        self.universityID = universityID
        self.userID = userID
        self.kind = kind
        self.status = status
        self.cost = cost
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.errorReason = errorReason
        self.resultJSON = resultJSON
        self.createdAtUnix = createdAtUnix
        self.updatedAtUnix = updatedAtUnix
    }
}

/// What a run works on, as the student sent it (validated).
public enum RunInput: Sendable, Equatable {
    case jobPack(jobTitle: String, company: String, jobDescription: String, resumeText: String)
    case skillMapper(profilePortalURL: String, profileText: String, resumeText: String)

    public var kind: Run.Kind {
        switch self {
        case .jobPack: return .jobPack
        case .skillMapper: return .skillMapper
        }
    }
}
