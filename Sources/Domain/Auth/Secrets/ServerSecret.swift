import Crypto

/// The server's HMAC key for one-time codes. From CAREERAI_SECRET, or generated once and kept by the
/// server in development. Never logged.
public struct ServerSecret: Sendable {
    public static let minBytes = 32
    public static let maxBytes = 1024

    let key: SymmetricKey

    /// Throws when the secret is too short to be a key (CAREERAI_SECRET must carry ≥ 256 bits).
    public init(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard bytes.count >= Self.minBytes, bytes.count <= Self.maxBytes else {
            throw DomainError.invalidField(
                "CAREERAI_SECRET", "must be \(Self.minBytes) to \(Self.maxBytes) bytes (e.g. `openssl rand -hex 32`)")
        }
        key = SymmetricKey(data: bytes)
    }

    /// A new random secret as text: 32 random bytes, hex.
    public static func generate() -> String {
        RandomBytes.make(32).hex
    }
}

extension Sequence<UInt8> {
    var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    /// The bytes of a lowercase hex string; nil when it is not one.
    var hexBytes: [UInt8]? {
        let utf8 = Array(self.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            default: return nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}
