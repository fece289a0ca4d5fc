import CareerAIProtoC

// Swift types for Proto/careerai/v1/university.proto.

public struct UniversityMessage: WireMessage {
    public var id = ""
    public var name = ""
    public var subdomain = ""
    public var allowedDomains: [String] = []
    public var defaultSilver: Int64 = 0
    public var defaultGold: Int64 = 0
    public var createdAtUnix: Int64 = 0

    public init() {}

    public static let wireSchema = WireSchema<UniversityMessage>(careerai__v1__university__init, [
        .string(1, "id", \.id),
        .string(2, "name", \.name),
        .string(3, "subdomain", \.subdomain),
        .repeatedString(4, "allowed_domains", \.allowedDomains),
        .int64(5, "default_silver", \.defaultSilver),
        .int64(6, "default_gold", \.defaultGold),
        .int64(7, "created_at_unix", \.createdAtUnix),
    ])
}

public struct ResolveUniversityRequest: WireMessage {
    public var subdomain = ""

    public init() {}
    public init(subdomain: String) { self.subdomain = subdomain }

    public static let wireSchema = WireSchema<ResolveUniversityRequest>(careerai__v1__resolve_university_request__init, [
        .string(1, "subdomain", \.subdomain),
    ])
}

public struct GetCurrentUniversityRequest: WireMessage {
    public init() {}

    public static let wireSchema = WireSchema<GetCurrentUniversityRequest>(careerai__v1__get_current_university_request__init, [])
}

public struct CreateUniversityRequest: WireMessage {
    public var name = ""
    public var subdomain = ""
    public var allowedDomains: [String] = []
    public var defaultSilver: Int64 = 0
    public var defaultGold: Int64 = 0

    public init() {}

    public static let wireSchema = WireSchema<CreateUniversityRequest>(careerai__v1__create_university_request__init, [
        .string(1, "name", \.name),
        .string(2, "subdomain", \.subdomain),
        .repeatedString(3, "allowed_domains", \.allowedDomains),
        .int64(4, "default_silver", \.defaultSilver),
        .int64(5, "default_gold", \.defaultGold),
    ])
}

public struct UpdateUniversityRequest: WireMessage {
    public var subdomain = ""
    public var name = ""
    public var allowedDomains: [String] = []
    public var defaultSilver: Int64 = 0
    public var defaultGold: Int64 = 0
    public var updateMask: [String] = []

    public init() {}

    public static let wireSchema = WireSchema<UpdateUniversityRequest>(careerai__v1__update_university_request__init, [
        .string(1, "subdomain", \.subdomain),
        .string(2, "name", \.name),
        .repeatedString(3, "allowed_domains", \.allowedDomains),
        .int64(4, "default_silver", \.defaultSilver),
        .int64(5, "default_gold", \.defaultGold),
        .repeatedString(6, "update_mask", \.updateMask),
    ])
}
