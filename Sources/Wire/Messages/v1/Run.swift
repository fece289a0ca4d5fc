import CareerAIProtoC

// Swift types for Proto/careerai/v1/run.proto.

public struct RunCostMessage: WireMessage {
    public var currency: String = ""
    public var amount: Int64 = 0

    public init() {}

    public static let wireSchema = WireSchema<RunCostMessage>(careerai__v1__run_cost__init, [
        .string(1, "currency", \.currency),
        .int64(2, "amount", \.amount),
    ])
}

public struct RunMessage: WireMessage {
    public var id: String = ""
    public var kind: String = ""
    public var status: String = ""
    public var cost: RunCostMessage? = nil
    public var createdAtUnix: Int64 = 0
    public var updatedAtUnix: Int64 = 0
    public var errorReason: String = ""
    public var resultJSON: String = ""

    public init() {}

    public static let wireSchema = WireSchema<RunMessage>(careerai__v1__run__init, [
        .string(1, "id", \.id),
        .string(2, "kind", \.kind),
        .string(3, "status", \.status),
        .message(4, "cost", \.cost),
        .int64(5, "created_at_unix", \.createdAtUnix),
        .int64(6, "updated_at_unix", \.updatedAtUnix),
        .string(7, "error_reason", \.errorReason),
        .string(8, "result_json", \.resultJSON),
    ])
}

public struct StartJobPackRequest: WireMessage {
    public var jobTitle: String = ""
    public var company: String = ""
    public var jobDescription: String = ""
    public var resumeText: String = ""

    public init() {}

    public static let wireSchema = WireSchema<StartJobPackRequest>(careerai__v1__start_job_pack_request__init, [
        .string(1, "job_title", \.jobTitle),
        .string(2, "company", \.company),
        .string(3, "job_description", \.jobDescription),
        .string(4, "resume_text", \.resumeText),
    ])
}

public struct StartSkillMapperRequest: WireMessage {
    public var profilePortalURL: String = ""
    public var profileText: String = ""
    public var resumeText: String = ""

    public init() {}

    public static let wireSchema = WireSchema<StartSkillMapperRequest>(careerai__v1__start_skill_mapper_request__init, [
        .string(1, "profile_portal_url", \.profilePortalURL),
        .string(2, "profile_text", \.profileText),
        .string(3, "resume_text", \.resumeText),
    ])
}

public struct GetRunRequest: WireMessage {
    public var id: String = ""

    public init() {}

    public static let wireSchema = WireSchema<GetRunRequest>(careerai__v1__get_run_request__init, [
        .string(1, "id", \.id),
    ])
}

public struct ListRunsRequest: WireMessage {
    public var pageSize: Int32 = 0
    public var pageToken: String = ""

    public init() {}

    public static let wireSchema = WireSchema<ListRunsRequest>(careerai__v1__list_runs_request__init, [
        .int32(1, "page_size", \.pageSize),
        .string(2, "page_token", \.pageToken),
    ])
}

public struct ListRunsResponse: WireMessage {
    public var runs: [RunMessage] = []
    public var nextPageToken: String = ""

    public init() {}

    public static let wireSchema = WireSchema<ListRunsResponse>(careerai__v1__list_runs_response__init, [
        .repeatedMessage(1, "runs", \.runs),
        .string(2, "next_page_token", \.nextPageToken),
    ])
}

public struct WatchRunRequest: WireMessage {
    public var id: String = ""

    public init() {}

    public static let wireSchema = WireSchema<WatchRunRequest>(careerai__v1__watch_run_request__init, [
        .string(1, "id", \.id),
    ])
}
