// Reasons of careerai-rest, the HTTP/JSON adapter (HTTP-only failures; everything else is the server's).

extension ErrorReason {
    public static let malformedJSON = ErrorReason("MALFORMED_JSON")
    public static let unsupportedMediaType = ErrorReason("UNSUPPORTED_MEDIA_TYPE")
    public static let bodyTooLarge = ErrorReason("BODY_TOO_LARGE")
    public static let routeNotFound = ErrorReason("ROUTE_NOT_FOUND")
    public static let methodNotAllowed = ErrorReason("METHOD_NOT_ALLOWED")
    public static let csrfRejected = ErrorReason("CSRF_REJECTED")
    public static let oauthStateMismatch = ErrorReason("OAUTH_STATE_MISMATCH")

    /// Every reason of the REST adapter.
    public static let restReasons: [ErrorReason] = [
        .malformedJSON,
        .unsupportedMediaType,
        .bodyTooLarge,
        .routeNotFound,
        .methodNotAllowed,
        .csrfRejected,
        .oauthStateMismatch,
    ]
}
