// Reasons of the database.

extension ErrorReason {
    public static let databaseError = ErrorReason("DATABASE_ERROR")
    public static let databaseTimeout = ErrorReason("DATABASE_TIMEOUT")
    public static let databaseUnavailable = ErrorReason("DATABASE_UNAVAILABLE")
    public static let transactionConflict = ErrorReason("TRANSACTION_CONFLICT")

    /// Every reason of the database.
    public static let storageReasons: [ErrorReason] = [
        .databaseError,
        .databaseTimeout,
        .databaseUnavailable,
        .transactionConflict,
    ]
}
