import Domain
import Settings

// Read here rather than beside AuthSettings: the domain depends on no configuration library.
extension AuthSettings {
    /// `CAREERAI_OTP_TTL_S`, `CAREERAI_OTP_RESEND_COOLDOWN_S`, `CAREERAI_OTP_MAX_PER_EMAIL_PER_HOUR`,
    /// `CAREERAI_OTP_MAX_PER_ADDRESS_PER_HOUR`, `CAREERAI_SESSION_TTL_S`, `CAREERAI_SESSION_CACHE_MS`.
    init(settings root: SettingsReader) throws(ConfigurationError) {
        self.init()
        let otp = root.scoped(to: "careerai.otp")
        otpTTL = try otp.duration("ttlS", .seconds, default: otpTTL, in: Self.otpTTLRange)
        otpResendCooldown = try otp.duration(
            "resendCooldownS", .seconds, default: otpResendCooldown, in: Self.otpResendCooldownRange)
        otpMaxPerEmailPerHour = try otp.integer(
            "maxPerEmailPerHour", default: otpMaxPerEmailPerHour, in: Self.otpMaxPerEmailPerHourRange)
        otpMaxPerAddressPerHour = try otp.integer(
            "maxPerAddressPerHour", default: otpMaxPerAddressPerHour, in: Self.otpMaxPerAddressPerHourRange)
        let session = root.scoped(to: "careerai.session")
        sessionTTL = try session.duration("ttlS", .seconds, default: sessionTTL, in: Self.sessionTTLRange)
        sessionCache = try session.duration("cacheMs", .milliseconds, default: sessionCache, in: Self.sessionCacheRange)
    }
}
