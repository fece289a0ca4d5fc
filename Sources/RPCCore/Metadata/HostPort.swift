/// `host:port`, as the server listens on and clients dial (IPv6 as `[::1]:7420`).
public struct HostPort: Sendable, Equatable {
    public let host: String
    public let port: Int

    /// Nil when `text` is not host:port. Port 0 ("any free port") only where `allowPortZero`.
    public static func parse(_ text: String, allowPortZero: Bool = false) -> HostPort? {
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex,
            let port = Int(text[text.index(after: colon)...]), ((allowPortZero ? 0 : 1)...65_535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, host.utf8.count <= 253, !host.contains(where: \.isWhitespace) else { return nil }
        return HostPort(host: host, port: port)
    }
}
