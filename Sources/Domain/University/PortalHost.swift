/// An entry of a university's profile portal list: a DNS name, `localhost` or an IPv4 address,
/// optionally with a port (`portal.iitb.ac.in`, `127.0.0.1:8443`). Lower case.
public struct PortalHost: Sendable, Equatable, Hashable {
    public var host: String
    public var port: Int?

    public init?(_ text: String) {
        var host = Substring(text)
        var port: Int?
        if let colon = text.lastIndex(of: ":") {
            guard let number = Int(text[text.index(after: colon)...]), (1...65535).contains(number) else { return nil }
            port = number
            host = text[..<colon]
        }
        let name = String(host)
        guard UniversityRules.isDomainName(name) || name == "localhost" || PortalHost.isIPv4(name) else { return nil }
        self.host = name
        self.port = port
    }

    /// Whether a URL's host and port (its scheme's default when nil) are this entry.
    public func matches(host urlHost: String, port urlPort: Int?, defaultPort: Int) -> Bool {
        guard urlHost.lowercased() == host else { return false }
        return (port ?? defaultPort) == (urlPort ?? defaultPort)
    }

    /// Loopback names: `http` is allowed only for these, when listed.
    public var isLoopback: Bool { host == "localhost" || host.hasPrefix("127.") }

    static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { part in
                part.count <= 3 && !part.isEmpty && part.allSatisfy(\.isASCII) && (Int(part).map { $0 <= 255 } ?? false)
            }
    }
}
