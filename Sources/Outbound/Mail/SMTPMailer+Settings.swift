import Domain
import Settings

extension SMTPMailer.Configuration {
    /// `CAREERAI_SMTP_URL` (`smtp://` or `smtps://user:pass@host:port`) with `CAREERAI_MAIL_FROM`; nil
    /// when no SMTP URL is set (codes then go to the log, in development only).
    public static func from(settings root: SettingsReader) throws(ConfigurationError) -> SMTPMailer.Configuration? {
        let settings = root.scoped(to: "careerai")
        let url = try settings.url("smtpUrl", schemes: ["smtp", "smtps"], isSecret: true)
        let from = settings.string("mailFrom")
        guard let url else {
            if let from, (try? EmailAddress.normalize(from)) == nil {
                throw ConfigurationError(settings.variableName("mailFrom"), "'\(from)' is not an email address")
            }
            return nil
        }
        guard let from else {
            throw ConfigurationError(
                settings.variableName("mailFrom"), "must be set when \(settings.variableName("smtpUrl")) is")
        }
        do {
            return try SMTPMailer.Configuration(url: url, from: from)
        } catch let error as DomainError {
            throw ConfigurationError(error.details["field"] ?? settings.variableName("smtpUrl"), error.message)
        } catch {
            throw ConfigurationError(settings.variableName("smtpUrl"), "\(error)")
        }
    }
}
