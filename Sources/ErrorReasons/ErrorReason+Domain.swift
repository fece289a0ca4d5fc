// Reasons of any request field out of bounds.

extension ErrorReason {
    public static let invalidArgument = ErrorReason("INVALID_ARGUMENT")

    /// Every reason of any request field out of bounds.
    public static let domainReasons: [ErrorReason] = [
        .invalidArgument
    ]
}
