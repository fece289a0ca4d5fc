import CareerAIProtoC

// Swift types for Proto/careerai/v1/health.proto.

public struct HealthCheckRequest: WireMessage {
    public var service = ""

    public init() {}
    public init(service: String) { self.service = service }

    public static let wireSchema = WireSchema<HealthCheckRequest>(careerai__v1__health_check_request__init, [
        .string(1, "service", \.service),
    ])
}

public struct HealthCheckResponse: WireMessage {
    public var status = ""
    public var version = ""
    public var uptimeMs: UInt64 = 0

    public init() {}
    public init(status: String, version: String, uptimeMs: UInt64) {
        self.status = status
        self.version = version
        self.uptimeMs = uptimeMs
    }

    public static let wireSchema = WireSchema<HealthCheckResponse>(careerai__v1__health_check_response__init, [
        .string(1, "status", \.status),
        .string(2, "version", \.version),
        .uint64(3, "uptime_ms", \.uptimeMs),
    ])
}
