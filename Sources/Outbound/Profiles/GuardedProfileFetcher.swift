import CCurl
import Domain
import Foundation
import NIOPosix

/// Skill Mapper's profile pages through libcurl with an SSRF guard: https only (http only to a
/// listed loopback host), the address checked after DNS before connecting (no private, loopback,
/// link-local or mapped addresses, unless the listed entry is itself a loopback host), redirects
/// never followed, at most 1 MiB and 10 s. HTML is reduced to text.
public struct GuardedProfileFetcher: ProfilePageFetcher {
    public struct Limits: Sendable {
        public var timeout = Duration.seconds(10)
        public var connectTimeout = Duration.seconds(5)
        public var maxBytes = 1 << 20
        /// The text handed to the model.
        public var maxTextCharacters = 30_000

        public init() {}
    }

    private let http: CurlHTTPClient
    private let limits: Limits
    /// curl's `host:port:address` pins, for tests of names that resolve to private addresses.
    private let resolve: [String]

    public init(threadPool: NIOThreadPool, limits: Limits = Limits(), resolve: [String] = []) {
        var curlLimits = CurlHTTPClient.Limits()
        curlLimits.timeoutMs = Int(limits.timeout.wholeMilliseconds)
        curlLimits.connectTimeoutMs = Int(limits.connectTimeout.wholeMilliseconds)
        curlLimits.maxResponseBytes = limits.maxBytes
        self.http = CurlHTTPClient(threadPool: threadPool, limits: curlLimits)
        self.limits = limits
        self.resolve = resolve
    }

    public func text(of url: ProfileURLPolicy.Allowed) async throws -> String {
        let loopbackEntry = url.entry.isLoopback
        let response: HTTPResponse
        do {
            response = try await http.guardedGet(
                url.url, protocols: loopbackEntry ? "http,https" : "https", allowPrivate: loopbackEntry,
                resolve: resolve, headers: ["Accept: text/html, text/plain"])
        } catch let error as CurlError {
            if error.blockedAddress { throw ProfileFetchError("\(url.host) resolves to an address that is not public") }
            if error.isTimeout {
                throw ProfileFetchError("\(url.host) did not answer within \(limits.timeout.wholeSeconds) s")
            }
            throw ProfileFetchError(String(error.message.prefix(200)))
        }
        switch response.status {
        case 200:
            break
        case 300...399:
            throw ProfileFetchError("the page redirects (HTTP \(response.status)); redirects are not followed")
        default:
            throw ProfileFetchError("the page answered HTTP \(response.status)")
        }
        let body = String(decoding: response.body, as: UTF8.self)
        let type = response.header("content-type")?.lowercased() ?? ""
        let text =
            type.contains("html") || body.prefix(512).lowercased().contains("<html") ? HTMLText.text(of: body) : body
        return String(text.prefix(limits.maxTextCharacters))
    }
}

/// Whether an address (text) is public by the guard's rules; for tests and operators.
public enum AddressGuard {
    public static func isPublic(_ address: String) -> Bool {
        var v4 = sockaddr_in()
        v4.sin_family = sa_family_t(AF_INET)
        if inet_pton(AF_INET, address, &v4.sin_addr) == 1 {
            return withUnsafePointer(to: &v4) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { careerai_address_is_public($0) == 1 }
            }
        }
        var v6 = sockaddr_in6()
        v6.sin6_family = sa_family_t(AF_INET6)
        if inet_pton(AF_INET6, address, &v6.sin6_addr) == 1 {
            return withUnsafePointer(to: &v6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { careerai_address_is_public($0) == 1 }
            }
        }
        return false
    }
}
