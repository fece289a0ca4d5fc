// Reasons of the API layer over the domain.

extension ErrorReason {
    public static let accessNotDeclared = ErrorReason("ACCESS_NOT_DECLARED")
    public static let unknownService = ErrorReason("UNKNOWN_SERVICE")

    /// Every reason of the API layer over the domain.
    public static let apiReasons: [ErrorReason] = [
        .accessNotDeclared,
        .unknownService,
    ]
}
