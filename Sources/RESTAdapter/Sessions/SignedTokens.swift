import Crypto
import Foundation

/// HMAC-SHA256 tokens under the adapter's secret: the CSRF token bound to a session, and the signed
/// Google state cookie.
struct SignedTokens: Sendable {
    let key: SymmetricKey

    /// The CSRF token of a session: stable for the session's life, useless for any other session.
    func csrfToken(forSession session: String) -> String {
        Self.base64URL(Array(HMAC<SHA256>.authenticationCode(for: Array("csrf\u{0}\(session)".utf8), using: key)))
    }

    func checkCSRF(_ token: String?, session: String) -> Bool {
        guard let token, token.utf8.count <= 128 else { return false }
        return Self.constantTimeEqual(Array(token.utf8), Array(csrfToken(forSession: session).utf8))
    }

    /// `state.verifier.expiry.mac`: what Google's callback must match, bound to this browser.
    func googleState(state: String, verifier: String, expiresAtUnix: Int64) -> String {
        let payload = "\(state).\(verifier).\(expiresAtUnix)"
        return payload + "." + mac(payload)
    }

    /// The state and PKCE verifier in a cookie this adapter signed and whose time is not over.
    func openGoogleState(_ cookie: String?, nowUnix: Int64) -> (state: String, verifier: String)? {
        guard let cookie else { return nil }
        let parts = cookie.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, let expiry = Int64(parts[2]), expiry > nowUnix else { return nil }
        let payload = parts[0..<3].joined(separator: ".")
        guard Self.constantTimeEqual(Array(parts[3].utf8), Array(mac(payload).utf8)) else { return nil }
        return (parts[0], parts[1])
    }

    private func mac(_ payload: String) -> String {
        Self.base64URL(Array(HMAC<SHA256>.authenticationCode(for: Array("google\u{0}\(payload)".utf8), using: key)))
    }

    /// PKCE's S256 challenge (RFC 7636 §4.2) of a verifier: BASE64URL(SHA-256(ASCII(verifier))).
    static func pkceChallenge(verifier: String) -> String {
        base64URL(Array(SHA256.hash(data: Array(verifier.utf8))))
    }

    static func random(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return base64URL((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
