// Reasons of failures the Swift client detects itself.

extension ErrorReason {
    public static let clientClosed = ErrorReason("CLIENT_CLOSED")
    public static let connectionClosed = ErrorReason("CONNECTION_CLOSED")
    public static let connectFailed = ErrorReason("CONNECT_FAILED")
    public static let goaway = ErrorReason("GOAWAY")
    public static let invalidRequest = ErrorReason("INVALID_REQUEST")
    public static let invalidTarget = ErrorReason("INVALID_TARGET")
    public static let malformedResponse = ErrorReason("MALFORMED_RESPONSE")
    public static let protocolError = ErrorReason("PROTOCOL_ERROR")
    public static let unknown = ErrorReason("UNKNOWN")
    public static let watchFailed = ErrorReason("WATCH_FAILED")

    /// Every reason of failures the Swift client detects itself.
    public static let clientReasons: [ErrorReason] = [
        .clientClosed,
        .connectionClosed,
        .connectFailed,
        .goaway,
        .invalidRequest,
        .invalidTarget,
        .malformedResponse,
        .protocolError,
        .unknown,
        .watchFailed,
    ]
}
