/// The university a request is for, from its Host alone: `SUB.BASE_DOMAIN[:port]` → `SUB`. No header
/// or query parameter can name a tenant, so a page of one university can never act for another.
struct HostTenant {
    let baseDomain: String

    enum Resolution: Equatable {
        case tenant(String)
        case none
    }

    /// The Host's name without its port, lowercased; nil when the header is missing or not a name.
    static func hostName(_ host: String?) -> String? {
        guard var host = host?.lowercased(), !host.isEmpty, host.utf8.count <= 260 else { return nil }
        if host.hasPrefix("[") { return nil }  // an IPv6 literal names no university
        if let colon = host.lastIndex(of: ":") {
            guard Int(host[host.index(after: colon)...]).map({ (1...65_535).contains($0) }) == true else { return nil }
            host = String(host[..<colon])
        }
        if host.hasSuffix(".") { host.removeLast() }
        return host
    }

    func resolve(_ host: String?) -> Resolution {
        guard let name = Self.hostName(host), name.hasSuffix("." + baseDomain) else { return .none }
        let sub = name.dropLast(baseDomain.count + 1)
        // One label only: `a.b.localhost` is no university of `localhost`.
        guard !sub.isEmpty, sub.utf8.count <= 63, !sub.contains("."),
            sub.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
        else { return .none }
        return .tenant(String(sub))
    }

    /// Whether cookies for this host may go without `Secure`: plain-HTTP development hosts only.
    static func isLocalDevelopment(_ host: String?) -> Bool {
        guard let name = hostName(host) else { return false }
        return name == "localhost" || name.hasSuffix(".localhost")
    }
}
