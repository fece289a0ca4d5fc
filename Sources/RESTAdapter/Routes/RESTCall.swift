import Foundation
import Hummingbird
import JSONTranscoding
import RPCCore

/// One request as a handler sees it: the parsed body, path and query parameters, the caller's session,
/// and the metadata every call to the server carries (tenant, authorization, forwarded address,
/// request id, idempotency key, deadline).
struct RESTCall: Sendable {
    let request: Request
    let parameters: [String: String]
    let body: JSONValue
    let tenant: String?
    /// The session token, from `Authorization: Bearer` or the cookie.
    let sessionToken: String?
    let authenticatedByCookie: Bool
    let requestID: String
    let metadata: [String: String]
    let timeoutMs: UInt32?
    let services: RESTServices

    var host: String? { request.head.authority }

    func query(_ name: String) -> String? { request.uri.queryParameters[name[...]].map(String.init) }

    /// The named query parameters as a request body: how a GET passes its message's fields.
    func queryJSON(_ names: [String]) -> JSONValue {
        .object(names.compactMap { name in query(name).map { (name, JSONValue.string($0)) } })
    }

    var scheme: String { HostTenant.isLocalDevelopment(host) ? "http" : "https" }
}

/// What every handler shares: the gateway to the server, the signer, the settings.
struct RESTServices: Sendable {
    let gateway: RPCGateway
    let tokens: SignedTokens
    let configuration: RESTConfiguration
    let shutdown: ShutdownSignal

    static func nowUnix() -> Int64 { Int64(Date().timeIntervalSince1970) }
}
