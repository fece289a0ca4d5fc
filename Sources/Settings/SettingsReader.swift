import Configuration
import Foundation

/// Typed, validated reads from apple/swift-configuration's `ConfigReader`, for the `init(settings:)`
/// that each component keeps beside itself (as Hummingbird's `+ConfigReader` files do). Keys are
/// dotted lowerCamelCase (`careerai.rpc.maxFrameBytes`); the environment provider reads them as
/// `CAREERAI_RPC_MAX_FRAME_BYTES`. Every failure is a `ConfigurationError` naming the variable, so a
/// bad value stops the process with one line; an empty value means "use the default".
public struct SettingsReader: Sendable {
    private let reader: ConfigReader
    private let path: [String]

    public init(reader: ConfigReader) {
        self.reader = reader
        self.path = []
    }

    private init(reader: ConfigReader, path: [String]) {
        self.reader = reader
        self.path = path
    }

    /// The process environment, or `values` standing in for it (tests).
    public static func environment(_ values: [String: String]) -> SettingsReader {
        SettingsReader(reader: ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: values)))
    }

    /// The keys under `prefix` (`careerai.rpc`), read by their last components.
    public func scoped(to prefix: String) -> SettingsReader {
        SettingsReader(
            reader: reader.scoped(to: ConfigKey(prefix)), path: path + prefix.split(separator: ".").map(String.init))
    }

    /// The environment variable that holds `key`, for messages: `maxFrameBytes` under `careerai.rpc`
    /// is `CAREERAI_RPC_MAX_FRAME_BYTES` (the environment provider's own encoding).
    public func variableName(_ key: String) -> String {
        (path + key.split(separator: ".").map(String.init)).map { component in
            var words = ""
            var previous: Character?
            for character in component {
                if let previous, previous.isLowercase || previous.isNumber, character.isUppercase { words.append("_") }
                words.append(character)
                previous = character
            }
            return words.uppercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
        }.joined(separator: "_")
    }

    /// The value, or nil when unset or empty.
    public func string(_ key: String, isSecret: Bool = false) -> String? {
        guard let value = reader.string(forKey: ConfigKey(key), isSecret: isSecret), !value.isEmpty else { return nil }
        return value
    }

    public func integer<T: FixedWidthInteger>(_ key: String, default fallback: T, in range: ClosedRange<T>)
        throws(ConfigurationError) -> T
    {
        guard let text = string(key) else { return fallback }
        guard let value = T(text.trimmingCharacters(in: .whitespaces)) else {
            throw ConfigurationError(variableName(key), "'\(text)' is not a whole number")
        }
        guard range.contains(value) else {
            throw ConfigurationError(variableName(key), "\(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// A duration written as a whole number of `unit` (the variable's name says which: `…_MS`, `…_S`).
    public func duration(
        _ key: String, _ unit: DurationUnit, default fallback: Duration, in range: ClosedRange<Duration>
    )
        throws(ConfigurationError) -> Duration
    {
        let count = try integer(
            key, default: unit.count(of: fallback),
            in: unit.count(of: range.lowerBound)...unit.count(of: range.upperBound))
        return unit.duration(count)
    }

    public func flag(_ key: String) throws(ConfigurationError) -> Bool? {
        guard let text = string(key) else { return nil }
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(variableName(key), "'\(text)' is not 1 or 0")
        }
    }

    /// A URL whose scheme is one of `schemes`, with something after `://`.
    public func url(_ key: String, schemes: [String], isSecret: Bool = false) throws(ConfigurationError) -> String? {
        guard let text = string(key, isSecret: isSecret) else { return nil }
        guard let schemeEnd = text.range(of: "://"),
            schemes.contains(String(text[..<schemeEnd.lowerBound]).lowercased()),
            text.count > text.distance(from: text.startIndex, to: schemeEnd.upperBound),
            !text.contains(where: \.isWhitespace)
        else {
            throw ConfigurationError(
                variableName(key),
                "'\(Self.redacted(text))' is not a \(schemes.map { "\($0)://" }.joined(separator: " or ")) URL")
        }
        return text
    }

    /// Hides a URL's password in error messages.
    public static func redacted(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@"), let schemeEnd = text.range(of: "://"), schemeEnd.upperBound < at
        else { return text }
        let userInfo = text[schemeEnd.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }
}

/// How a duration is written in a variable.
public enum DurationUnit: Sendable {
    case milliseconds, seconds

    func count(of duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        switch self {
        case .milliseconds: return seconds * 1_000 + attoseconds / 1_000_000_000_000_000
        case .seconds: return seconds
        }
    }

    func duration(_ count: Int64) -> Duration {
        switch self {
        case .milliseconds: return .milliseconds(count)
        case .seconds: return .seconds(count)
        }
    }
}
