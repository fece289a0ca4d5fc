import Foundation
import RPCCore

/// Typed, validated reads of environment variables. Every failure names the variable.
struct EnvironmentReader {
    let values: [String: String]

    /// The variable's value, or nil when unset or empty (an empty value means "use the default").
    func string(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    func integer<T: FixedWidthInteger>(_ name: String, default fallback: T, in range: ClosedRange<T>)
        throws(ConfigurationError) -> T
    {
        guard let text = string(name) else { return fallback }
        guard let value = T(text.trimmingCharacters(in: .whitespaces)) else {
            throw ConfigurationError(name, "'\(text)' is not a whole number")
        }
        guard range.contains(value) else {
            throw ConfigurationError(name, "\(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    func flag(_ name: String) throws(ConfigurationError) -> Bool? {
        guard let text = string(name) else { return nil }
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(name, "'\(text)' is not 1 or 0")
        }
    }

    /// A `host:port` listen or connect address.
    func address(_ name: String, default fallback: String) throws(ConfigurationError) -> (host: String, port: Int) {
        let text = string(name) ?? fallback
        guard let parsed = HostPort.parse(text, allowPortZero: true) else {
            throw ConfigurationError(name, "'\(text)' is not host:port (e.g. 127.0.0.1:7420)")
        }
        return (parsed.host, parsed.port)
    }

    /// A URL whose scheme is one of `schemes`, with a host unless the scheme is host-less.
    func url(_ name: String, schemes: [String]) throws(ConfigurationError) -> String? {
        guard let text = string(name) else { return nil }
        guard let schemeEnd = text.range(of: "://"),
            schemes.contains(String(text[..<schemeEnd.lowerBound]).lowercased()),
            text.count > text.distance(from: text.startIndex, to: schemeEnd.upperBound),
            !text.contains(where: \.isWhitespace)
        else {
            throw ConfigurationError(
                name, "'\(Self.redacted(text))' is not a \(schemes.map { "\($0)://" }.joined(separator: " or ")) URL")
        }
        return text
    }

    /// Hides a URL's password in error messages.
    static func redacted(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@"), let schemeEnd = text.range(of: "://"),
            schemeEnd.upperBound < at
        else { return text }
        let userInfo = text[schemeEnd.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }
}
