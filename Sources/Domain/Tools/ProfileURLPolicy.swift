import Foundation

/// Which profile URLs Skill Mapper may fetch: https to a host the university lists (http only to
/// a listed loopback host), no user info. Checked at start, before any charge, and again by the
/// fetcher, which also checks the address the name resolves to.
public enum ProfileURLPolicy {
    public struct Allowed: Sendable, Equatable {
        public var url: String
        public var host: String
        public var port: Int
        /// The list entry it matched: the fetcher lets a listed host resolve to a private address.
        public var entry: PortalHost
    }

    public static func check(_ url: String, allowedHosts: [String]) throws -> Allowed {
        func refuse(_ why: String) -> DomainError {
            DomainError.invalidField("profile_portal_url", why, reason: .profileURLNotAllowed)
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.host?.lowercased(), !host.isEmpty
        else {
            throw refuse("must be an https URL")
        }
        guard components.user == nil, components.password == nil else { throw refuse("must not carry a user name") }
        let defaultPort = scheme == "https" ? 443 : 80
        let entries = allowedHosts.compactMap(PortalHost.init)
        guard
            let entry = entries.first(where: { $0.matches(host: host, port: components.port, defaultPort: defaultPort) }
            )
        else {
            throw refuse("host \(host.prefix(100)) is not one of your university's profile portals")
        }
        guard scheme == "https" || (scheme == "http" && entry.isLoopback) else {
            throw refuse("must be https")
        }
        return Allowed(url: url, host: host, port: components.port ?? defaultPort, entry: entry)
    }
}

/// Fetches a profile page as text (the Outbound adapter: libcurl with an SSRF guard).
public protocol ProfilePageFetcher: Sendable {
    /// The page reduced to text. Throws `ProfileFetchError` for a refused address, a redirect, a
    /// page too large or too slow, or an unreachable host.
    func text(of url: ProfileURLPolicy.Allowed) async throws -> String
}

public struct ProfileFetchError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// Renders a Job Pack to PDF (the Outbound adapter: an HTML template and WeasyPrint).
public protocol JobPackRenderer: Sendable {
    func pdf(of result: JobPackResult, jobTitle: String, company: String) async throws -> [UInt8]
}
