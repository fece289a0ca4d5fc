/// Request and response metadata keys of docs/PROTOCOL.md (lowercase ASCII).
public enum MetadataKey {
    public static let authorization = "authorization"
    public static let tenant = "x-tenant"
    public static let idempotencyKey = "idempotency-key"
    public static let requestID = "x-request-id"
    public static let forwardedFor = "x-forwarded-for"
    /// GOAWAY: the highest call id the server accepted; calls above it were not processed.
    public static let lastCallID = "last-call-id"
}

/// Limits every peer agrees on unless configured otherwise (docs/PROTOCOL.md).
public enum ProtocolDefaults {
    public static let maxFrameBytes = 4 * 1024 * 1024
    public static let maxConcurrentCalls = 100
    public static let maxMetadataBytes = 8 * 1024
    public static let maxMetadataEntries = 64
    public static let maxPingPayloadBytes = 8
    public static let idleTimeoutMs: Int64 = 5 * 60 * 1000
    public static let maxIdempotencyKeyBytes = 128
    public static let maxRequestIDBytes = 128

    /// Total bytes of keys and values, the measure that `maxMetadataBytes` limits.
    public static func metadataBytes(_ metadata: [String: String]) -> Int {
        metadata.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
    }
}
