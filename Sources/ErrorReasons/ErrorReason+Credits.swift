// Reasons of wallets, ledgers, runs and the queue.

extension ErrorReason {
    public static let idempotencyKeyReused = ErrorReason("IDEMPOTENCY_KEY_REUSED")
    public static let insufficientCredits = ErrorReason("INSUFFICIENT_CREDITS")
    public static let invalidPageToken = ErrorReason("INVALID_PAGE_TOKEN")
    public static let queueFull = ErrorReason("QUEUE_FULL")
    public static let queueUnavailable = ErrorReason("QUEUE_UNAVAILABLE")
    public static let runNotFound = ErrorReason("RUN_NOT_FOUND")
    public static let userNotFound = ErrorReason("USER_NOT_FOUND")
    public static let walletNotFound = ErrorReason("WALLET_NOT_FOUND")

    /// Every reason of wallets, ledgers, runs and the queue.
    public static let creditsReasons: [ErrorReason] = [
        .idempotencyKeyReused,
        .insufficientCredits,
        .invalidPageToken,
        .queueFull,
        .queueUnavailable,
        .runNotFound,
        .userNotFound,
        .walletNotFound,
    ]
}
