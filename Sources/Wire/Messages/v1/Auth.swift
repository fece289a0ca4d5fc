import CareerAIProtoC

// Swift types for Proto/careerai/v1/auth.proto.

public struct UserMessage: WireMessage {
    public var id = ""
    public var name = ""
    public var email = ""
    public var emailVerified = false
    public var googleID = ""
    public var universityID = ""
    public var role = ""
    public var isPro = false
    public var createdAtUnix: Int64 = 0

    public init() {}

    public static let wireSchema = WireSchema<UserMessage>(careerai__v1__user__init, [
        .string(1, "id", \.id),
        .string(2, "name", \.name),
        .string(3, "email", \.email),
        .bool(4, "email_verified", \.emailVerified),
        .string(5, "google_id", \.googleID),
        .string(6, "university_id", \.universityID),
        .string(7, "role", \.role),
        .bool(8, "is_pro", \.isPro),
        .int64(9, "created_at_unix", \.createdAtUnix),
    ])
}

public struct SessionMessage: WireMessage {
    public var token = ""
    public var expiresAtUnix: Int64 = 0
    public var user: UserMessage?

    public init() {}

    public static let wireSchema = WireSchema<SessionMessage>(careerai__v1__session__init, [
        .string(1, "token", \.token),
        .int64(2, "expires_at_unix", \.expiresAtUnix),
        .message(3, "user", \.user),
    ])
}

public struct RequestEmailOtpRequest: WireMessage {
    public var email = ""

    public init() {}
    public init(email: String) { self.email = email }

    public static let wireSchema = WireSchema<RequestEmailOtpRequest>(careerai__v1__request_email_otp_request__init, [
        .string(1, "email", \.email),
    ])
}

public struct RequestEmailOtpResponse: WireMessage {
    public var expiresInS: Int32 = 0
    public var resendAfterS: Int32 = 0

    public init() {}

    public static let wireSchema = WireSchema<RequestEmailOtpResponse>(careerai__v1__request_email_otp_response__init, [
        .int32(1, "expires_in_s", \.expiresInS),
        .int32(2, "resend_after_s", \.resendAfterS),
    ])
}

public struct VerifyEmailOtpRequest: WireMessage {
    public var email = ""
    public var code = ""

    public init() {}
    public init(email: String, code: String) {
        self.email = email
        self.code = code
    }

    public static let wireSchema = WireSchema<VerifyEmailOtpRequest>(careerai__v1__verify_email_otp_request__init, [
        .string(1, "email", \.email),
        .string(2, "code", \.code),
    ])
}

public struct GoogleAuthUrlRequest: WireMessage {
    public var redirectURI = ""
    public var state = ""

    public init() {}
    public init(redirectURI: String, state: String = "") {
        self.redirectURI = redirectURI
        self.state = state
    }

    public static let wireSchema = WireSchema<GoogleAuthUrlRequest>(careerai__v1__google_auth_url_request__init, [
        .string(1, "redirect_uri", \.redirectURI),
        .string(2, "state", \.state),
    ])
}

public struct GoogleAuthUrlResponse: WireMessage {
    public var url = ""
    public var state = ""

    public init() {}

    public static let wireSchema = WireSchema<GoogleAuthUrlResponse>(careerai__v1__google_auth_url_response__init, [
        .string(1, "url", \.url),
        .string(2, "state", \.state),
    ])
}

public struct GoogleSignInRequest: WireMessage {
    public var code = ""
    public var redirectURI = ""

    public init() {}
    public init(code: String, redirectURI: String) {
        self.code = code
        self.redirectURI = redirectURI
    }

    public static let wireSchema = WireSchema<GoogleSignInRequest>(careerai__v1__google_sign_in_request__init, [
        .string(1, "code", \.code),
        .string(2, "redirect_uri", \.redirectURI),
    ])
}

public struct GetMeRequest: WireMessage {
    public init() {}

    public static let wireSchema = WireSchema<GetMeRequest>(careerai__v1__get_me_request__init, [])
}

public struct SignOutRequest: WireMessage {
    public init() {}

    public static let wireSchema = WireSchema<SignOutRequest>(careerai__v1__sign_out_request__init, [])
}

public struct SignOutResponse: WireMessage {
    public init() {}

    public static let wireSchema = WireSchema<SignOutResponse>(careerai__v1__sign_out_response__init, [])
}
