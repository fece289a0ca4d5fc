// Reasons of the RPC layer (server side): framing, routing, limits, deadlines.

extension ErrorReason {
    public static let cancelled = ErrorReason("CANCELLED")
    public static let deadlineExceeded = ErrorReason("DEADLINE_EXCEEDED")
    public static let `internal` = ErrorReason("INTERNAL")
    public static let malformedRequest = ErrorReason("MALFORMED_REQUEST")
    public static let metadataTooLarge = ErrorReason("METADATA_TOO_LARGE")
    public static let responseEncodingFailed = ErrorReason("RESPONSE_ENCODING_FAILED")
    public static let responseTooLarge = ErrorReason("RESPONSE_TOO_LARGE")
    public static let serverDraining = ErrorReason("SERVER_DRAINING")
    public static let tooManyConcurrentCalls = ErrorReason("TOO_MANY_CONCURRENT_CALLS")
    public static let tooManyStreams = ErrorReason("TOO_MANY_STREAMS")
    public static let unknownMethod = ErrorReason("UNKNOWN_METHOD")

    /// Every reason of the RPC layer (server side): framing, routing, limits, deadlines.
    public static let protocolReasons: [ErrorReason] = [
        .cancelled,
        .deadlineExceeded,
        .`internal`,
        .malformedRequest,
        .metadataTooLarge,
        .responseEncodingFailed,
        .responseTooLarge,
        .serverDraining,
        .tooManyConcurrentCalls,
        .tooManyStreams,
        .unknownMethod,
    ]
}
