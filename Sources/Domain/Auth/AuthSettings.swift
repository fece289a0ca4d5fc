/// The limits of sign-in. Every figure is configurable (ServerConfiguration); the defaults are the
/// product's.
public struct AuthSettings: Sendable, Equatable {
    /// How long a one-time code is valid.
    public var otpTTLSeconds: Int64 = 600
    /// No new code for the same email within this many seconds of the last one.
    public var otpResendCooldownSeconds: Int64 = 60
    /// At most this many codes for one email in any hour.
    public var otpMaxPerEmailPerHour: Int = 5
    /// At most this many code requests from one client address in any hour.
    public var otpMaxPerAddressPerHour: Int = 30
    /// Wrong tries that burn a code.
    public var otpMaxAttempts: Int = 5
    /// How long a session lasts.
    public var sessionTTLSeconds: Int64 = 30 * 24 * 3600
    /// How long this process trusts a session it has looked up (0: always ask the database).
    public var sessionCacheMs: Int = 1_000

    public init() {}

    public static let otpTTLSecondsRange: ClosedRange<Int64> = 60...3600
    public static let otpResendCooldownSecondsRange: ClosedRange<Int64> = 0...3600
    public static let otpMaxPerEmailPerHourRange: ClosedRange<Int> = 1...100
    public static let otpMaxPerAddressPerHourRange: ClosedRange<Int> = 1...100_000
    public static let sessionCacheMsRange: ClosedRange<Int> = 0...60_000
    public static let sessionTTLSecondsRange: ClosedRange<Int64> = 300...(365 * 24 * 3600)
}
