import Crypto
import CryptoExtras
import Foundation
import JWTKit
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A local stand-in for Google's OAuth token endpoint and JWKS, signing ID tokens with test RSA keys.
/// Tests register what a code's ID token says, rotate keys, or forge signatures.
public final class GoogleStandIn: Sendable {
    public static let clientID = "careerai-test.apps.googleusercontent.com"
    public static let clientSecret = "stand-in-secret"

    /// What the ID token for one authorization code claims.
    public struct Claims: Sendable {
        public var subject: String
        public var email: String
        public var emailVerified = true
        public var hostedDomain: String?
        public var name = "Test Student"
        public var audience = GoogleStandIn.clientID
        public var issuer = "https://accounts.google.com"
        public var expiresInSeconds: Int64 = 3600
        /// Sign with a key that is not the published one under the published key id.
        public var forgeSignature = false

        public init(subject: String, email: String) {
            self.subject = subject
            self.email = email
        }
    }

    private struct SigningKey: Sendable {
        let kid: String
        let key: JWTKit.Insecure.RSA.PrivateKey
    }

    private struct State: Sendable {
        var keys: [SigningKey]
        var codes: [String: (claims: Claims, redirectURI: String, codeChallenge: String?)] = [:]
        var jwksFetches = 0
        var rotations = 0
        var cacheMaxAgeSeconds = 3600
    }

    private let state: Mutex<State>
    private let forger: SigningKey
    private let channel: any Channel
    public let port: Int

    public var tokenURL: String { "http://127.0.0.1:\(port)/token" }
    public var jwksURL: String { "http://127.0.0.1:\(port)/certs" }
    public var jwksFetches: Int { state.withLock { $0.jwksFetches } }

    /// The server environment that points careerai-server at this stand-in.
    public var serverEnvironment: [String: String] {
        [
            "GOOGLE_CLIENT_ID": Self.clientID, "GOOGLE_CLIENT_SECRET": Self.clientSecret,
            "CAREERAI_GOOGLE_TOKEN_URL": tokenURL, "CAREERAI_GOOGLE_JWKS_URL": jwksURL,
            "CAREERAI_GOOGLE_AUTH_URL": "http://127.0.0.1:\(port)/auth", "CAREERAI_GOOGLE_JWKS_MIN_REFETCH_S": "0",
        ]
    }

    public static func start() async throws -> GoogleStandIn {
        let keys = try await TestRSAKeys.all()
        let first = SigningKey(kid: "key-1", key: keys[0])
        let forger = SigningKey(kid: "key-1", key: keys[1])
        let initial = State(keys: [first])
        let box = HandlerBox()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(StandInHTTPHandler(respond: { box.respond($0, $1, $2) }))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let standIn = GoogleStandIn(state: initial, forger: forger, channel: channel)
        box.standIn.withLock { $0 = standIn }
        return standIn
    }

    private init(state: State, forger: SigningKey, channel: any Channel) {
        self.state = Mutex(state)
        self.forger = forger
        self.channel = channel
        port = channel.localAddress!.port!
    }

    public func stop() async {
        try? await channel.close()
    }

    /// An authorization code whose exchange yields an ID token with these claims. `codeChallenge`:
    /// the PKCE S256 challenge the authorization URL carried; the exchange must then send its verifier
    /// (and, without one, must send none), as Google checks.
    public func issueCode(_ claims: Claims, redirectURI: String, codeChallenge: String? = nil) -> String {
        let code = "4/" + UUID().uuidString
        state.withLock { $0.codes[code] = (claims, redirectURI, codeChallenge) }
        return code
    }

    /// BASE64URL(SHA-256(verifier)), RFC 7636's S256.
    public static func pkceChallenge(verifier: String) -> String {
        base64URL(Data(SHA256.hash(data: Data(verifier.utf8))))
    }

    /// Publishes a new signing key (new kid) and signs with it from now on; the old key is dropped.
    public func rotateKey() async throws {
        let keys = try await TestRSAKeys.all()
        state.withLock { state in
            state.rotations += 1
            let kid = "key-\(state.rotations + 1)"
            // Keys 2, 3, … of the shared set (0 is the first published one, 1 the forger's).
            state.keys = [SigningKey(kid: kid, key: keys[2 + (state.rotations - 1) % (keys.count - 2)])]
        }
    }

    public func setCacheMaxAge(seconds: Int) {
        state.withLock { $0.cacheMaxAgeSeconds = seconds }
    }

    // MARK: HTTP

    fileprivate func respond(_ head: HTTPRequestHead, _ body: String) async -> (
        HTTPResponseStatus, [(String, String)], String
    ) {
        switch (head.method, head.uri.split(separator: "?").first.map(String.init) ?? "") {
        case (.GET, "/certs"):
            let (keys, maxAge) = state.withLock { state -> ([SigningKey], Int) in
                state.jwksFetches += 1
                return (state.keys, state.cacheMaxAgeSeconds)
            }
            let jwks = keys.map { key -> String in
                let (modulus, exponent) = try! key.key.publicKey.getKeyPrimitives()
                return
                    #"{"kty":"RSA","alg":"RS256","use":"sig","kid":"\#(key.kid)","n":"\#(Self.base64URL(modulus))","e":"\#(Self.base64URL(exponent))"}"#
            }
            return (
                .ok, [("Cache-Control", "public, max-age=\(maxAge), must-revalidate, no-transform")],
                #"{"keys":[\#(jwks.joined(separator: ","))]}"#
            )
        case (.POST, "/token"):
            let form = Self.parseForm(body)
            guard form["client_id"] == Self.clientID, form["client_secret"] == Self.clientSecret else {
                return (.unauthorized, [], #"{"error":"invalid_client"}"#)
            }
            guard form["grant_type"] == "authorization_code", let code = form["code"],
                let issued = state.withLock({ $0.codes.removeValue(forKey: code) }),
                issued.redirectURI == form["redirect_uri"],
                issued.codeChallenge == form["code_verifier"].map(Self.pkceChallenge(verifier:))
            else {
                return (.badRequest, [], #"{"error":"invalid_grant","error_description":"Bad Request"}"#)
            }
            do {
                let token = try await sign(issued.claims)
                return (
                    .ok, [],
                    #"{"access_token":"ya29.stand-in","expires_in":3599,"token_type":"Bearer","scope":"openid email profile","id_token":"\#(token)"}"#
                )
            } catch {
                return (.internalServerError, [], #"{"error":"stand-in signing failed"}"#)
            }
        default:
            return (.notFound, [], #"{"error":"not found"}"#)
        }
    }

    private func sign(_ claims: Claims) async throws -> String {
        let signer = claims.forgeSignature ? forger : state.withLock { $0.keys[0] }
        let now = Date()
        let payload = GoogleIdentityToken(
            issuer: IssuerClaim(value: claims.issuer), subject: SubjectClaim(value: claims.subject),
            audience: AudienceClaim(value: [claims.audience]), authorizedPresenter: claims.audience,
            issuedAt: IssuedAtClaim(value: now),
            expires: ExpirationClaim(value: now.addingTimeInterval(TimeInterval(claims.expiresInSeconds))),
            hostedDomain: claims.hostedDomain.map { GoogleHostedDomainClaim(value: $0) }, email: claims.email,
            emailVerified: BoolClaim(value: claims.emailVerified), name: claims.name)
        let keys = JWTKeyCollection()
        await keys.add(rsa: signer.key, digestAlgorithm: .sha256, kid: JWKIdentifier(string: signer.kid))
        return try await keys.sign(payload, kid: JWKIdentifier(string: signer.kid))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func parseForm(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }
}

/// Lets the channel handlers reach the stand-in, which exists only after the bind.
private final class HandlerBox: Sendable {
    let standIn = Mutex<GoogleStandIn?>(nil)

    func respond(
        _ head: HTTPRequestHead, _ body: String,
        _ done: @escaping @Sendable ((HTTPResponseStatus, [(String, String)], String)) -> Void
    ) {
        guard let standIn = standIn.withLock({ $0 }) else { return done((.serviceUnavailable, [], "")) }
        Task { done(await standIn.respond(head, body)) }
    }
}

/// Collects one HTTP/1.1 request and answers it through `respond`.
final class StandInHTTPHandler: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: used on its channel's event loop only.
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let respond:
        (HTTPRequestHead, String, @escaping @Sendable ((HTTPResponseStatus, [(String, String)], String)) -> Void) ->
            Void
    private var head: HTTPRequestHead?
    private var body = ""

    init(
        respond:
            @escaping (
                HTTPRequestHead, String, @escaping @Sendable ((HTTPResponseStatus, [(String, String)], String)) -> Void
            ) -> Void
    ) {
        self.respond = respond
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = ""
        case .body(let buffer):
            body += String(buffer: buffer)
        case .end:
            guard let head else { return }
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            let eventLoop = context.eventLoop
            let keepAlive = head.isKeepAlive
            respond(head, body) { status, headers, text in
                eventLoop.execute {
                    let context = loopBound.value
                    var responseHeaders = HTTPHeaders(headers)
                    if !responseHeaders.contains(name: "Content-Type") {
                        responseHeaders.add(name: "Content-Type", value: "application/json")
                    }
                    responseHeaders.add(name: "Content-Length", value: "\(text.utf8.count)")
                    if !keepAlive { responseHeaders.add(name: "Connection", value: "close") }
                    context.write(
                        NIOAny(
                            HTTPServerResponsePart.head(
                                HTTPResponseHead(version: .http1_1, status: status, headers: responseHeaders))),
                        promise: nil)
                    context.write(
                        NIOAny(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
                    context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).whenComplete { _ in
                        if !keepAlive { context.close(promise: nil) }
                    }
                }
            }
        }
    }
}

/// The stand-in's signing keys, parsed once from `TestRSAKeyPEMs`.
enum TestRSAKeys {
    private static let parsed = Result { try TestRSAKeyPEMs.all.map { try JWTKit.Insecure.RSA.PrivateKey(pem: $0) } }

    static func all() async throws -> [JWTKit.Insecure.RSA.PrivateKey] {
        try parsed.get()
    }
}
