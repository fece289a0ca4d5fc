import Foundation
import HTTPTypes
import Hummingbird
import JSONTranscoding
import Logging
import RPCCore

/// Every request's way through the adapter: route, tenant from the Host, session and CSRF checks,
/// bounded body, the handler, then security headers and one access-log line.
struct RESTResponder: HTTPResponder {
    typealias Context = RESTContext
    let table: RouteTable
    let services: RESTServices
    let tenants: HostTenant
    let logger: Logger

    static let stateChanging: Set<HTTPRequest.Method> = [.post, .put, .patch, .delete]
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
    static let requestIDHeader = HTTPField.Name("X-Request-Id")!
    static let grpcTimeoutHeader = HTTPField.Name("Grpc-Timeout")!
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!
    static let idempotencyHeader = HTTPField.Name("Idempotency-Key")!

    func respond(to request: Request, context: RESTContext) async throws -> Response {
        let started = ContinuousClock.now
        let requestID = UUID().uuidString.lowercased()
        var routeName = "-"
        var response: Response
        do {
            let (route, parameters) = try match(request)
            routeName = route.template
            response = try await handle(
                request, route: route, parameters: parameters, requestID: requestID, context: context)
        } catch {
            response = error.response()
        }
        addHeaders(&response, request: request, requestID: requestID)
        let elapsed = (ContinuousClock.now - started).components
        let elapsedMs = Double(elapsed.seconds) * 1000 + Double(elapsed.attoseconds) / 1e15
        logger.info(
            "request",
            metadata: [
                "method": "\(request.method.rawValue)", "route": "\(routeName)", "status": "\(response.status.code)",
                "ms": "\(Int(elapsedMs.rounded()))", "request_id": "\(requestID)",
            ])
        return response
    }

    private func match(_ request: Request) throws(RESTError) -> (Route, [String: String]) {
        let path = request.uri.path
        guard path.utf8.count <= 2048 else { throw RESTError.notFound(String(path.prefix(64))) }
        switch table.match(method: request.method, path: path) {
        case .found(let route, let parameters): return (route, parameters)
        case .wrongMethod(let allowed): throw RESTError.methodNotAllowed(allowed)
        case .none: throw RESTError.notFound(path)
        }
    }

    private func handle(
        _ request: Request, route: Route, parameters: [String: String], requestID: String, context: RESTContext
    ) async throws(RESTError) -> Response {
        var request = request
        let host = request.head.authority
        var tenant: String?
        if route.needsTenant {
            guard case .tenant(let sub) = tenants.resolve(host) else {
                throw RESTError(
                    RPCError(
                        .notFound,
                        "no university at this address: open https://<university>.\(services.configuration.baseDomain)/",
                        reason: .unknownTenant))
            }
            tenant = sub
        }
        var metadata: [String: String] = [MetadataKey.requestID: requestID]
        if let tenant { metadata[MetadataKey.tenant] = tenant }
        if let peer = context.peerAddress { metadata[MetadataKey.forwardedFor] = peer }
        if let key = request.headers[Self.idempotencyHeader] {
            guard !key.isEmpty, key.utf8.count <= ProtocolDefaults.maxIdempotencyKeyBytes else {
                throw RESTError.malformed("Idempotency-Key must be 1 to 128 characters", field: "Idempotency-Key")
            }
            metadata[MetadataKey.idempotencyKey] = key
        }

        var sessionToken: String?
        var byCookie = false
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer", parts[1].utf8.count <= 512 else {
                throw RESTError(
                    RPCError(.unauthenticated, "Authorization must be 'Bearer <token>'", reason: .sessionInvalid))
            }
            sessionToken = String(parts[1])
        } else if route.access == .session, let cookie = SessionCookies.value(SessionCookies.sessionName, in: request) {
            sessionToken = cookie
            byCookie = true
        }
        if Self.stateChanging.contains(request.method) {
            try checkOrigin(request, host: host)
            if byCookie, let sessionToken {
                guard services.tokens.checkCSRF(request.headers[Self.csrfHeader], session: sessionToken) else {
                    throw RESTError.csrf("a signed-in change needs this session's X-CSRF-Token")
                }
            }
        }
        if route.access == .session, let sessionToken { metadata[MetadataKey.authorization] = "Bearer \(sessionToken)" }

        let body = try await readBody(&request)
        let call = RESTCall(
            request: request, parameters: parameters, body: body, tenant: tenant, sessionToken: sessionToken,
            authenticatedByCookie: byCookie, requestID: requestID, metadata: metadata,
            timeoutMs: try Self.deadline(request.headers[Self.grpcTimeoutHeader]), services: services)
        return try await route.handler(call)
    }

    /// Cross-site writes are refused whatever they carry: `Sec-Fetch-Site: cross-site`, or an Origin
    /// other than the request's own.
    private func checkOrigin(_ request: Request, host: String?) throws(RESTError) {
        if request.headers[Self.secFetchSite]?.lowercased() == "cross-site" {
            throw RESTError.csrf("cross-site requests may not change anything")
        }
        if let origin = request.headers[.origin]?.lowercased(), let host = host?.lowercased() {
            let own = ["http://\(host)", "https://\(host)"]
            if !own.contains(origin) && !services.configuration.corsOrigins.contains(origin) {
                throw RESTError.csrf("requests from \(origin.prefix(80)) may not change anything here")
            }
        }
    }

    /// The JSON body, bounded; `{}` when there is none. Only `application/json` is taken.
    private func readBody(_ request: inout Request) async throws(RESTError) -> JSONValue {
        let limit = services.configuration.maxBodyBytes
        let tooLarge = RESTError(
            RPCError(
                .invalidArgument, "the body is over \(limit) bytes", reason: .bodyTooLarge,
                details: ["limit_bytes": "\(limit)"]),
            status: .contentTooLarge)
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw tooLarge }
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch {
            throw tooLarge
        }
        guard buffer.readableBytes > 0 else { return .object([]) }
        let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces)
            .lowercased()
        guard type == "application/json" else {
            throw RESTError(
                RPCError(.invalidArgument, "the body must be application/json", reason: .unsupportedMediaType),
                status: .unsupportedMediaType)
        }
        do {
            return try JSONParser.parse(Array(buffer.readableBytesView))
        } catch {
            throw RESTError.malformed("\(error)")
        }
    }

    /// grpc-gateway's `Grpc-Timeout` (`<digits><H|M|S|m|u|n>`), capped at the configured deadline.
    static func deadline(_ text: String?) throws(RESTError) -> UInt32? {
        guard let text else { return nil }
        guard text.count >= 2, text.count <= 9, let amount = UInt64(text.dropLast()), let unit = text.last else {
            throw RESTError.malformed(
                "Grpc-Timeout must be digits and a unit (H, M, S, m, u, n)", field: "Grpc-Timeout")
        }
        let ms: UInt64
        switch unit {
        case "H": ms = amount * 3_600_000
        case "M": ms = amount * 60_000
        case "S": ms = amount * 1000
        case "m": ms = amount
        case "u": ms = max(1, amount / 1000)
        case "n": ms = max(1, amount / 1_000_000)
        default: throw RESTError.malformed("Grpc-Timeout's unit must be H, M, S, m, u or n", field: "Grpc-Timeout")
        }
        return UInt32(clamping: max(1, ms))
    }

    private func addHeaders(_ response: inout Response, request: Request, requestID: String) {
        response.headers[Self.requestIDHeader] = requestID
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[.contentSecurityPolicy] =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        if let origin = request.headers[.origin]?.lowercased(), services.configuration.corsOrigins.contains(origin) {
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.accessControlAllowCredentials] = "true"
            response.headers[.vary] = "Origin"
        }
    }
}
