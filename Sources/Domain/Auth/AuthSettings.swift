/// The limits of sign-in. Every figure is configurable (ServerConfiguration); the defaults are the
/// product's.
public struct AuthSettings: Sendable, Equatable {
    /// How long a one-time code is valid.
    public var otpTTL = Duration.seconds(600)
    /// No new code for the same email within this long of the last one.
    public var otpResendCooldown = Duration.seconds(60)
    /// At most this many codes for one email in any hour.
    public var otpMaxPerEmailPerHour: Int = 5
    /// At most this many code requests from one client address in any hour.
    public var otpMaxPerAddressPerHour: Int = 30
    /// Wrong tries that burn a code.
    public var otpMaxAttempts: Int = 5
    /// How long a session lasts.
    public var sessionTTL = Duration.seconds(30 * 24 * 3600)
    /// How long this process trusts a session it has looked up (0: always ask the database).
    public var sessionCache = Duration.seconds(1)

    public init() {}

    public static let otpTTLRange = Duration.seconds(60)...Duration.seconds(3600)
    public static let otpResendCooldownRange = Duration.zero...Duration.seconds(3600)
    public static let otpMaxPerEmailPerHourRange: ClosedRange<Int> = 1...100
    public static let otpMaxPerAddressPerHourRange: ClosedRange<Int> = 1...100_000
    public static let sessionCacheRange = Duration.zero...Duration.seconds(60)
    public static let sessionTTLRange = Duration.seconds(300)...Duration.seconds(365 * 24 * 3600)
}
