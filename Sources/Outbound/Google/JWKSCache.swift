import Domain
import Foundation
import JWTKit
import Logging

/// Google's signing keys, fetched from the JWKS URL and kept as long as its `Cache-Control: max-age`
/// says. A token signed with a key we do not know triggers one early refetch (Google rotated), at
/// most once per `minimumRefetchSeconds`, so unknown `kid`s cannot make us hammer the endpoint.
actor JWKSCache {
    static let defaultMaxAgeSeconds: Double = 3600
    static let maxMaxAgeSeconds: Double = 86_400

    private let url: String
    private let http: CurlHTTPClient
    private let minimumRefetchSeconds: Double
    private let now: @Sendable () -> Date
    private let logger: Logger

    private var keys: JWTKeyCollection?
    private var kids: Set<String> = []
    private var expiresAt = Date.distantPast
    private var lastFetchAt = Date.distantPast

    init(
        url: String, http: CurlHTTPClient, minimumRefetchSeconds: Double, logger: Logger,
        now: @escaping @Sendable () -> Date
    ) {
        self.url = url
        self.http = http
        self.minimumRefetchSeconds = minimumRefetchSeconds
        self.logger = logger
        self.now = now
    }

    /// The keys to verify a token signed with `kid`: the cached ones while fresh, refetched when stale
    /// or when they lack `kid` (and the last fetch is not too recent).
    func keys(for kid: String?) async throws -> JWTKeyCollection {
        if let keys, now() < expiresAt {
            guard let kid, !kids.contains(kid), now().timeIntervalSince(lastFetchAt) >= minimumRefetchSeconds else {
                return keys
            }
        }
        return try await fetch()
    }

    private func fetch() async throws -> JWTKeyCollection {
        lastFetchAt = now()
        let response: HTTPResponse
        do {
            response = try await http.get(url)
        } catch {
            return try stale(orThrow: "Google's keys could not be fetched: \(error)")
        }
        guard response.status == 200 else {
            return try stale(orThrow: "Google's keys answered HTTP \(response.status)")
        }
        let jwks: JWKS
        do {
            jwks = try JSONDecoder().decode(JWKS.self, from: Data(response.body))
        } catch {
            return try stale(orThrow: "Google's keys are not a JWKS: \(error)")
        }
        let collection = JWTKeyCollection()
        var added: Set<String> = []
        for jwk in jwks.keys {
            // One key we cannot use (another algorithm) must not cost us the others.
            guard let kid = jwk.keyIdentifier?.string, (try? await collection.add(jwk: jwk)) != nil else { continue }
            added.insert(kid)
        }
        _ = await collection.clearDefault()  // a token must name its key; no silent fallback
        guard !added.isEmpty else { return try stale(orThrow: "Google's JWKS holds no usable key") }
        keys = collection
        kids = added
        expiresAt = now().addingTimeInterval(Self.maxAge(response.header("cache-control")))
        logger.debug("Google keys fetched", metadata: ["kids": "\(added.sorted())"])
        return collection
    }

    private func stale(orThrow message: String) throws -> JWTKeyCollection {
        logger.warning("Google keys refresh failed", metadata: ["error": "\(message)"])
        if let keys { return keys }  // keep signing in with the keys we have rather than fail everyone
        throw DomainError(
            .unavailable, reason: .googleUnavailable,
            "Google sign-in is unavailable just now; try again or use an email code")
    }

    /// `max-age` of a Cache-Control value, bounded; the default when absent.
    static func maxAge(_ cacheControl: String?) -> Double {
        guard let cacheControl else { return defaultMaxAgeSeconds }
        for directive in cacheControl.split(separator: ",") {
            let parts = directive.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "max-age", let seconds = Double(parts[1]), seconds >= 0 {
                return min(seconds, maxMaxAgeSeconds)
            }
            if parts.count == 1, parts[0].lowercased() == "no-store" || parts[0].lowercased() == "no-cache" { return 0 }
        }
        return defaultMaxAgeSeconds
    }
}
