import Foundation
import Hummingbird

/// The cookies the adapter sets: host-only (never a `Domain` attribute: sibling universities are the
/// same site and must not share them), `HttpOnly`, `SameSite=Lax`, and `Secure` unless the host is a
/// `localhost` development one.
enum SessionCookies {
    static let sessionName = "careerai_session"
    static let googleStateName = "careerai_google_state"
    static let maxCookieBytes = 1024

    static func sessionCookie(token: String, expiresAtUnix: Int64, host: String?, nowUnix: Int64) -> String {
        let maxAge = max(0, expiresAtUnix - nowUnix)
        return cookie(sessionName, token, path: "/", maxAgeS: maxAge, host: host)
    }

    static func clearedSession(host: String?) -> String { cookie(sessionName, "", path: "/", maxAgeS: 0, host: host) }

    static func googleStateCookie(_ value: String, host: String?, maxAgeS: Int64) -> String {
        cookie(googleStateName, value, path: "/v1/auth/google", maxAgeS: maxAgeS, host: host)
    }

    static func clearedGoogleState(host: String?) -> String {
        cookie(googleStateName, "", path: "/v1/auth/google", maxAgeS: 0, host: host)
    }

    private static func cookie(_ name: String, _ value: String, path: String, maxAgeS: Int64, host: String?) -> String {
        var text = "\(name)=\(value); Path=\(path); Max-Age=\(maxAgeS); HttpOnly; SameSite=Lax"
        if !HostTenant.isLocalDevelopment(host) { text += "; Secure" }
        return text
    }

    /// The value of cookie `name` in the request's `Cookie` headers (bounded; the first one wins).
    static func value(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] where header.utf8.count <= 8 * 1024 {
            for pair in header.split(separator: ";") {
                let trimmed = pair.trimmingCharacters(in: .whitespaces)
                guard let equals = trimmed.firstIndex(of: "="), trimmed[..<equals] == name else { continue }
                let value = String(trimmed[trimmed.index(after: equals)...])
                return value.isEmpty || value.utf8.count > maxCookieBytes ? nil : value
            }
        }
        return nil
    }
}
