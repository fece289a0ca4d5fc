// Reasons of sign-in, sessions and access levels.

extension ErrorReason {
    public static let emailAtSeveralUniversities = ErrorReason("EMAIL_AT_SEVERAL_UNIVERSITIES")
    public static let emailDomainNotAllowed = ErrorReason("EMAIL_DOMAIN_NOT_ALLOWED")
    public static let emailNotVerified = ErrorReason("EMAIL_NOT_VERIFIED")
    public static let emailTaken = ErrorReason("EMAIL_TAKEN")
    public static let googleCodeRejected = ErrorReason("GOOGLE_CODE_REJECTED")
    public static let googleEmailMissing = ErrorReason("GOOGLE_EMAIL_MISSING")
    public static let googleEmailNotVerified = ErrorReason("GOOGLE_EMAIL_NOT_VERIFIED")
    public static let googleMisconfigured = ErrorReason("GOOGLE_MISCONFIGURED")
    public static let googleSignInNotConfigured = ErrorReason("GOOGLE_SIGN_IN_NOT_CONFIGURED")
    public static let googleTokenInvalid = ErrorReason("GOOGLE_TOKEN_INVALID")
    public static let googleUnavailable = ErrorReason("GOOGLE_UNAVAILABLE")
    public static let invalidCodeFormat = ErrorReason("INVALID_CODE_FORMAT")
    public static let invalidEmail = ErrorReason("INVALID_EMAIL")
    public static let mailUnavailable = ErrorReason("MAIL_UNAVAILABLE")
    public static let otpExpired = ErrorReason("OTP_EXPIRED")
    public static let otpHourlyLimit = ErrorReason("OTP_HOURLY_LIMIT")
    public static let otpInvalid = ErrorReason("OTP_INVALID")
    public static let otpResendTooSoon = ErrorReason("OTP_RESEND_TOO_SOON")
    public static let otpTooManyAttempts = ErrorReason("OTP_TOO_MANY_ATTEMPTS")
    public static let platformAdminRequired = ErrorReason("PLATFORM_ADMIN_REQUIRED")
    public static let sessionExpired = ErrorReason("SESSION_EXPIRED")
    public static let sessionInvalid = ErrorReason("SESSION_INVALID")
    public static let signInRequired = ErrorReason("SIGN_IN_REQUIRED")
    public static let tenantMismatch = ErrorReason("TENANT_MISMATCH")
    public static let tooManyCodeRequests = ErrorReason("TOO_MANY_CODE_REQUESTS")
    public static let universityAdminRequired = ErrorReason("UNIVERSITY_ADMIN_REQUIRED")

    /// Every reason of sign-in, sessions and access levels.
    public static let authReasons: [ErrorReason] = [
        .emailAtSeveralUniversities,
        .emailDomainNotAllowed,
        .emailNotVerified,
        .emailTaken,
        .googleCodeRejected,
        .googleEmailMissing,
        .googleEmailNotVerified,
        .googleMisconfigured,
        .googleSignInNotConfigured,
        .googleTokenInvalid,
        .googleUnavailable,
        .invalidCodeFormat,
        .invalidEmail,
        .mailUnavailable,
        .otpExpired,
        .otpHourlyLimit,
        .otpInvalid,
        .otpResendTooSoon,
        .otpTooManyAttempts,
        .platformAdminRequired,
        .sessionExpired,
        .sessionInvalid,
        .signInRequired,
        .tenantMismatch,
        .tooManyCodeRequests,
        .universityAdminRequired,
    ]
}
