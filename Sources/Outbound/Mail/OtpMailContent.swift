import Domain
import Foundation

/// The one-time code mail as an RFC 5322 message: a plain-text part and an HTML part, CRLF lines.
enum OtpMailContent {
    static func message(_ mail: OtpMail, from: String, messageIDDomain: String, date: Date = Date()) -> String {
        let boundary = "careerai-" + UUID().uuidString.lowercased()
        let text = """
            Your CareerAI sign-in code is \(mail.code)

            Enter it where you asked for it to sign in to \(mail.universityName). It expires in \(mail.expiresInMinutes) minutes.
            If you did not ask for a code, ignore this mail: nobody can sign in without it.
            """
        let html = """
            <!doctype html>
            <html><body style="font-family: sans-serif">
            <p>Your CareerAI sign-in code is</p>
            <p style="font-size: 28px; font-weight: bold; letter-spacing: 4px">\(mail.code)</p>
            <p>Enter it where you asked for it to sign in to \(escapeHTML(mail.universityName)). It expires in \(mail.expiresInMinutes) minutes.</p>
            <p style="color: #666">If you did not ask for a code, ignore this mail: nobody can sign in without it.</p>
            </body></html>
            """
        let lines = [
            "From: CareerAI <\(from)>",
            "To: <\(mail.to)>",
            "Subject: Your CareerAI sign-in code: \(mail.code)",
            "Date: \(rfc5322Date(date))",
            "Message-ID: <\(UUID().uuidString.lowercased())@\(messageIDDomain)>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
            "",
            "--\(boundary)",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "",
            text,
            "--\(boundary)",
            "Content-Type: text/html; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "",
            html,
            "--\(boundary)--",
            "",
        ]
        return lines.joined(separator: "\n").replacingOccurrences(of: "\n", with: "\r\n")
    }

    static func escapeHTML(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
