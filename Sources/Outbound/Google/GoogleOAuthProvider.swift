import Domain
import Foundation
import JWTKit
import Logging

/// Google sign-in over OpenID Connect: the authorization URL, the code exchange at the token endpoint
/// (libcurl), and the ID token checked with jwt-kit — RS256 against Google's JWKS, `iss`, `aud` = our
/// client id, `exp`.
public struct GoogleOAuthProvider: GoogleIdentityProvider {
    public struct Configuration: Sendable {
        public var clientID: String
        public var clientSecret: String
        public var authorizationURL = "https://accounts.google.com/o/oauth2/v2/auth"
        public var tokenURL = "https://oauth2.googleapis.com/token"
        public var jwksURL = "https://www.googleapis.com/oauth2/v3/certs"
        /// At most one early JWKS refetch (for an unknown `kid`) in this many seconds.
        public var minimumJWKSRefetch = Duration.seconds(10)

        public init(clientID: String, clientSecret: String) {
            self.clientID = clientID
            self.clientSecret = clientSecret
        }
    }

    private let configuration: Configuration
    private let http: CurlHTTPClient
    private let keys: JWKSCache
    private let logger: Logger

    public init(
        configuration: Configuration, http: CurlHTTPClient, logger: Logger,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.configuration = configuration
        self.http = http
        self.logger = logger
        self.keys = JWKSCache(
            url: configuration.jwksURL, http: http,
            minimumRefetchSeconds: Double(configuration.minimumJWKSRefetch.wholeMilliseconds) / 1_000,
            logger: logger, now: now)
    }

    public func authorizationURL(redirectURI: String, state: String, hostedDomain: String?, codeChallenge: String?)
        throws -> String
    {
        guard var components = URLComponents(string: configuration.authorizationURL) else {
            throw DomainError(.internal, reason: .googleMisconfigured, "the Google authorization URL is not a URL")
        }
        var items = [
            URLQueryItem(name: "client_id", value: configuration.clientID),
            URLQueryItem(name: "redirect_uri", value: redirectURI),
            URLQueryItem(name: "response_type", value: "code"),
            URLQueryItem(name: "scope", value: "openid email profile"),
            URLQueryItem(name: "state", value: state),
            URLQueryItem(name: "prompt", value: "select_account"),
        ]
        if let hostedDomain { items.append(URLQueryItem(name: "hd", value: hostedDomain)) }
        if let codeChallenge {
            items.append(URLQueryItem(name: "code_challenge", value: codeChallenge))
            items.append(URLQueryItem(name: "code_challenge_method", value: "S256"))
        }
        components.queryItems = items
        // URLComponents leaves '+' and '&'-safe characters alone in query values; encode them for form decoding.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        guard let url = components.string else {
            throw DomainError(
                .internal, reason: .googleMisconfigured, "the Google authorization URL could not be built")
        }
        return url
    }

    public func identity(code: String, redirectURI: String, codeVerifier: String?) async throws -> GoogleIdentity {
        let idToken = try await exchange(code: code, redirectURI: redirectURI, codeVerifier: codeVerifier)
        return try await verify(idToken: idToken)
    }

    private struct TokenResponse: Decodable {
        var id_token: String?
        var error: String?
        var error_description: String?
    }

    private func exchange(code: String, redirectURI: String, codeVerifier: String?) async throws -> String {
        let response: HTTPResponse
        var fields = [
            ("code", code), ("client_id", configuration.clientID), ("client_secret", configuration.clientSecret),
            ("redirect_uri", redirectURI), ("grant_type", "authorization_code"),
        ]
        if let codeVerifier { fields.append(("code_verifier", codeVerifier)) }
        do {
            response = try await http.postForm(configuration.tokenURL, fields: fields)
        } catch {
            logger.error("Google token endpoint unreachable", metadata: ["error": "\(error)"])
            throw DomainError(
                .unavailable, reason: .googleUnavailable, "Google could not be reached; try again or use an email code")
        }
        let body = try? JSONDecoder().decode(TokenResponse.self, from: Data(response.body))
        switch response.status {
        case 200:
            guard let idToken = body?.id_token, !idToken.isEmpty else {
                throw DomainError(.unavailable, reason: .googleUnavailable, "Google's token answer carried no ID token")
            }
            return idToken
        case 400, 401:
            let why = body?.error ?? "refused"
            throw DomainError(
                .unauthenticated, reason: .googleCodeRejected,
                "Google refused the authorization code (\(why.prefix(64))); start the Google sign-in again",
                details: ["google_error": String(why.prefix(64))])
        default:
            logger.error("Google token endpoint failed", metadata: ["status": "\(response.status)"])
            throw DomainError(
                .unavailable, reason: .googleUnavailable, "Google answered HTTP \(response.status); try again later")
        }
    }

    func verify(idToken: String) async throws -> GoogleIdentity {
        let token: GoogleIdentityToken
        do {
            // `expectedAudience`: every `aud` must be our client id (jwt-kit checks signature, iss, exp too).
            token = try await keys.keys(for: Self.keyID(of: idToken))
                .verify(idToken, as: GoogleIdentityToken.self, expectedAudience: configuration.clientID)
        } catch let error as DomainError {
            throw error
        } catch {
            logger.info("Google ID token refused", metadata: ["error": "\(error)"])
            throw DomainError(
                .unauthenticated, reason: .googleTokenInvalid,
                "Google's ID token did not verify (\(Self.summary(error))); start the Google sign-in again")
        }
        return GoogleIdentity(
            subject: token.subject.value, email: token.email ?? "", emailVerified: token.emailVerified?.value ?? false,
            hostedDomain: token.hostedDomain?.value, name: token.name ?? "")
    }

    /// The `kid` of a JWT's header, read only to pick (or refetch) the key; the signature decides.
    static func keyID(of token: String) -> String? {
        guard let header = token.split(separator: ".", maxSplits: 1).first, header.utf8.count <= 2048 else {
            return nil
        }
        var base64 = header.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        struct Header: Decodable { var kid: String? }
        guard let data = Data(base64Encoded: base64) else { return nil }
        return (try? JSONDecoder().decode(Header.self, from: data))?.kid
    }

    private static func summary(_ error: any Error) -> String {
        guard let error = error as? JWTError else { return "malformed" }
        switch error.errorType {
        case .claimVerificationFailure: return "claim check failed: \(error.reason ?? "")"
        case .signatureVerificationFailed: return "bad signature"
        case .unknownKID, .noKeyProvided: return "unknown signing key"
        case .missingKIDHeader: return "no key id"
        case .malformedToken: return "malformed"
        default: return "\(error.errorType)"
        }
    }
}
