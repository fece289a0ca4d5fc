import CCurl
import Domain
import Foundation
import Logging
import NIOPosix

/// Sends mail through an SMTP server with libcurl: `smtp://host:port` (plain, or STARTTLS required
/// with `?starttls=required`) or `smtps://user:pass@host:port` (TLS from the start).
public struct SMTPMailer: Mailer {
    public struct Configuration: Sendable {
        /// The URL libcurl connects to (our query parameters removed).
        public var url: String
        public var requireStartTLS: Bool
        public var from: String
        public var timeoutMs = 15_000

        /// Validates `CAREERAI_SMTP_URL` and `CAREERAI_MAIL_FROM`; the error names what is wrong.
        public init(url rawURL: String, from: String) throws {
            guard var components = URLComponents(string: rawURL), let scheme = components.scheme?.lowercased(),
                scheme == "smtp" || scheme == "smtps", components.host?.isEmpty == false
            else {
                throw DomainError.invalidField(
                    "CAREERAI_SMTP_URL", "must look like smtp://host:port or smtps://user:pass@host:port")
            }
            let starttls = components.queryItems?.first { $0.name == "starttls" }?.value
            guard starttls == nil || starttls == "required" else {
                throw DomainError.invalidField("CAREERAI_SMTP_URL", "starttls may only be 'required'")
            }
            requireStartTLS = starttls == "required"
            components.query = nil
            url = components.string ?? rawURL
            guard (try? EmailAddress.normalize(from, field: "CAREERAI_MAIL_FROM")) != nil else {
                throw DomainError.invalidField(
                    "CAREERAI_MAIL_FROM", "must be an email address like no-reply@careerai.example")
            }
            self.from = from
        }
    }

    private let configuration: Configuration
    private let threadPool: NIOThreadPool
    private let logger: Logger

    public init(configuration: Configuration, threadPool: NIOThreadPool, logger: Logger) {
        self.configuration = configuration
        self.threadPool = threadPool
        self.logger = logger
    }

    public func sendOtp(_ mail: OtpMail) async throws {
        let configuration = self.configuration
        let fromDomain = configuration.from.split(separator: "@").last.map(String.init) ?? "careerai"
        let message = OtpMailContent.message(mail, from: configuration.from, messageIDDomain: fromDomain)
        do {
            let reply = try await threadPool.runIfActive { () throws(CurlError) -> Int in
                let easy = CurlEasy()
                try easy.set(CURLOPT_URL, configuration.url)
                try easy.set(CURLOPT_PROTOCOLS_STR, "smtp,smtps")
                try easy.set(CURLOPT_NOSIGNAL, 1)
                try easy.set(CURLOPT_TIMEOUT_MS, configuration.timeoutMs)
                try easy.set(CURLOPT_CONNECTTIMEOUT_MS, 5_000)
                if configuration.requireStartTLS { try easy.set(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)) }
                try easy.set(CURLOPT_MAIL_FROM, "<\(configuration.from)>")
                try easy.set(CURLOPT_MAIL_RCPT, list: ["<\(mail.to)>"])
                easy.uploadBody = Array(message.utf8)
                return try easy.perform()
            }
            logger.info("one-time code mailed", metadata: ["to": "\(mail.to)", "smtp_reply": "\(reply)"])
        } catch let error as CurlError {
            logger.error("mail not sent", metadata: ["to": "\(mail.to)", "error": "\(error)"])
            throw DomainError(
                .unavailable, reason: .mailUnavailable, "the code could not be mailed just now; try again in a minute")
        }
    }
}
