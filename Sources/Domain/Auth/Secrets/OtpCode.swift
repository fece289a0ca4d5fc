import Crypto

/// Six-digit one-time codes: drawn from the system CSPRNG, stored only as an HMAC-SHA256 under the
/// server secret, compared in constant time.
public enum OtpCode {
    public static let digits = 6

    /// A uniformly random code, "000000"…"999999".
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = UInt32.random(in: 0..<1_000_000, using: &generator)
        let text = String(value)
        return String(repeating: "0", count: digits - text.count) + text
    }

    /// Whether `code` is six ASCII digits (anything else is refused before it costs a try).
    public static func isWellFormed(_ code: String) -> Bool {
        code.utf8.count == digits && code.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// The stored form: hex HMAC-SHA256 over the code bound to its request, university and email, so a
    /// hash copied to another row never matches.
    public static func hash(
        _ code: String, otpID: String, university: UniversityID, email: String, secret: ServerSecret
    ) -> String {
        HMAC<SHA256>.authenticationCode(for: Array(message(code, otpID, university, email).utf8), using: secret.key).hex
    }

    /// Constant-time check of `code` against a stored hash.
    public static func matches(
        _ code: String, storedHash: String, otpID: String, university: UniversityID, email: String,
        secret: ServerSecret
    ) -> Bool {
        guard let stored = storedHash.hexBytes, stored.count == SHA256.byteCount else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(
            stored, authenticating: Array(message(code, otpID, university, email).utf8), using: secret.key)
    }

    private static func message(_ code: String, _ otpID: String, _ university: UniversityID, _ email: String) -> String
    {
        "careerai-otp-v1|\(otpID)|\(university.rawValue)|\(email)|\(code)"
    }
}
