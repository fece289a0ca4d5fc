import Crypto
import Foundation

/// Session tokens: 256 random bits, base64url, with a `cai_` prefix so that leaked tokens are easy to
/// recognise (secret scanners). The database keeps only their SHA-256.
public enum SessionToken {
    static let prefix = "cai_"
    static let randomBytes = 32
    /// Longer bearer values are refused before hashing.
    public static let maxBytes = 128

    public static func generate() -> String {
        prefix + base64URL(RandomBytes.make(randomBytes))
    }

    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).hex
    }

    /// The token of an `authorization: Bearer <token>` value; nil when it is not one of ours.
    public static func fromAuthorization(_ value: String) -> String? {
        guard value.utf8.count <= maxBytes + 16 else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = String(parts[1])
        guard token.hasPrefix(prefix), token.utf8.count <= maxBytes,
            token.utf8.allSatisfy({ base64URLAlphabet.contains($0) || $0 == UInt8(ascii: "_") })
        else { return nil }
        return token
    }

    private static let base64URLAlphabet = Set(
        Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8))

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
                of: "=", with: "")
    }
}
