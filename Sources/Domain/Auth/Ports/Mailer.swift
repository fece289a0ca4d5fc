/// The mail a one-time code request sends.
public struct OtpMail: Sendable, Equatable {
    public var to: String
    public var code: String
    public var universityName: String
    public var expiresInMinutes: Int

    public init(to: String, code: String, universityName: String, expiresInMinutes: Int) {
        self.to = to
        self.code = code
        self.universityName = universityName
        self.expiresInMinutes = expiresInMinutes
    }
}

/// Sends mail. The SMTP adapter (libcurl) in production; the console mailer writes the code to the
/// log in development.
public protocol Mailer: Sendable {
    /// Throws `DomainError` `.unavailable` (`MAIL_UNAVAILABLE`) when the mail could not be handed over.
    func sendOtp(_ mail: OtpMail) async throws
}
