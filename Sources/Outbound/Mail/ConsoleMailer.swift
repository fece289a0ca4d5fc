import Domain
import Logging

/// Development's mailer: the code goes to the server log instead of an inbox. Refused in production.
public struct ConsoleMailer: Mailer {
    private let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func sendOtp(_ mail: OtpMail) async throws {
        logger.notice(
            "one-time code (console mailer; set CAREERAI_SMTP_URL to send mail)",
            metadata: ["to": "\(mail.to)", "code": "\(mail.code)", "expires_in_min": "\(mail.expiresInMinutes)"])
    }
}
