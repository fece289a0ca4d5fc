// Some fields of Proto/ carry a fixed set of strings rather than a proto enum (readable in every
// language's JSON, and changing them to enums now would change the wire). Swift code reads them
// through these types, never by comparing string literals.

/// What `Run.status` holds.
public enum RunStatusValue: String, Sendable, CaseIterable {
    case queued, running, succeeded, failed

    /// No further change will come.
    public var isFinal: Bool { self == .succeeded || self == .failed }
}

/// What `Run.kind` holds.
public enum RunKindValue: String, Sendable, CaseIterable {
    case jobPack = "job_pack"
    case skillMapper = "skill_mapper"
}

/// What `HealthCheckResponse.status` holds.
public enum ServingStatusValue: String, Sendable, CaseIterable {
    case serving = "SERVING"
    case notServing = "NOT_SERVING"
}

extension RunMessage {
    /// `status` as a value; nil for a string this build does not know (a newer server's).
    public var statusValue: RunStatusValue? { RunStatusValue(rawValue: status) }
    public var kindValue: RunKindValue? { RunKindValue(rawValue: kind) }
}

extension HealthCheckResponse {
    public var statusValue: ServingStatusValue? { ServingStatusValue(rawValue: status) }
}
