/// A stable, machine-readable reason (`ErrorInfo.reason`): UPPER_SNAKE, documented in
/// docs/PROTOCOL.md's reasons table, branched on by clients in every language. Every reason the
/// project produces is a named constant here, one file per area, so a reason cannot be misspelt in
/// one place or invented without appearing in the catalog (a test checks the catalog against the
/// documentation both ways).
public struct ErrorReason: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    /// Every reason, by area.
    public static let catalog: [ErrorReason] =
        protocolReasons + clientReasons + apiReasons + domainReasons + authReasons + tenancyReasons + creditsReasons
        + storageReasons + toolReasons + restReasons
}
