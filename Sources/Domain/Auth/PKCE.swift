/// PKCE (RFC 7636) values a caller of Google sign-in sends: checked for shape here, so a malformed
/// one is the caller's INVALID_ARGUMENT instead of an opaque refusal from Google. Whether a verifier
/// matches its challenge is Google's to decide at the token exchange.
enum PKCE {
    /// BASE64URL(SHA-256(verifier)) without padding is always 43 characters.
    static let challengeLength = 43
    static let verifierLengths = 43...128

    /// Empty means no PKCE.
    static func validateChallenge(_ challenge: String) throws {
        guard !challenge.isEmpty else { return }
        guard challenge.utf8.count == challengeLength,
            challenge.utf8.allSatisfy({ isBase64URL($0) })
        else {
            throw DomainError.invalidField(
                "code_challenge", "an S256 challenge is \(challengeLength) characters of A-Z a-z 0-9 - _")
        }
    }

    static func validateVerifier(_ verifier: String) throws {
        guard !verifier.isEmpty else { return }
        guard verifierLengths.contains(verifier.utf8.count),
            verifier.utf8.allSatisfy({ isBase64URL($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "~") })
        else {
            throw DomainError.invalidField(
                "code_verifier",
                "a verifier is \(verifierLengths.lowerBound) to \(verifierLengths.upperBound) characters of A-Z a-z 0-9 - . _ ~"
            )
        }
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default: return false
        }
    }
}
