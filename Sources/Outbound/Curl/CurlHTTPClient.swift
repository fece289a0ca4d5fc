import CCurl
import Foundation
import NIOPosix

/// A response of `CurlHTTPClient`.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
    /// Raw header lines, e.g. `Cache-Control: public, max-age=19749`.
    public var headerLines: [String]

    public func header(_ name: String) -> String? {
        let prefix = name.lowercased() + ":"
        return headerLines.last { $0.lowercased().hasPrefix(prefix) }
            .map { String($0.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces) }
    }
}

/// Outgoing HTTP(S) through libcurl, each transfer on a thread of `threadPool` (blocking calls never
/// run on an event loop). Bounded: total and connect timeouts, response size, http/https only, no
/// redirects followed.
public struct CurlHTTPClient: Sendable {
    public struct Limits: Sendable {
        public var timeoutMs = 10_000
        public var connectTimeoutMs = 3_000
        public var maxResponseBytes = 1 << 20

        public init() {}
    }

    private let threadPool: NIOThreadPool
    private let limits: Limits

    public init(threadPool: NIOThreadPool, limits: Limits = Limits()) {
        self.threadPool = threadPool
        self.limits = limits
    }

    public func get(_ url: String, headers: [String] = []) async throws -> HTTPResponse {
        try await perform(url: url, headers: headers) { _ in }
    }

    /// POSTs a JSON body (bytes, so no copy through String).
    public func postJSON(_ url: String, body: [UInt8], headers: [String] = []) async throws -> HTTPResponse {
        try await perform(url: url, headers: headers + ["Content-Type: application/json"]) {
            easy throws(CurlError) in
            try easy.set(CURLOPT_POSTFIELDSIZE_LARGE, body.count)
            try easy.setPostBody(body)
        }
    }

    /// GETs a user-supplied URL with the SSRF guard: `protocols` only, the resolved address checked
    /// before each connect (refused unless public or `allowPrivate`), no redirects (the caller
    /// refuses a 3xx). `resolve` pins names (curl's `host:port:address`), for tests.
    public func guardedGet(
        _ url: String, protocols: String, allowPrivate: Bool, resolve: [String] = [], headers: [String] = []
    ) async throws -> HTTPResponse {
        let guardState = SocketGuard(allowPrivate: allowPrivate)
        do {
            let response = try await perform(url: url, headers: headers, protocols: protocols) {
                easy throws(CurlError) in
                try easy.guardSockets(guardState)
                if !resolve.isEmpty { try easy.set(CURLOPT_RESOLVE, list: resolve) }
            }
            return response
        } catch let error as CurlError where guardState.blocked > 0 {
            throw CurlError(
                code: error.code, message: "the address is not public (blocked before connecting)",
                isUnreachable: false, blockedAddress: true)
        }
    }

    /// POSTs `fields` as `application/x-www-form-urlencoded`.
    public func postForm(_ url: String, fields: [(String, String)], headers: [String] = []) async throws -> HTTPResponse
    {
        let body = fields.map { "\(Self.formEncoded($0.0))=\(Self.formEncoded($0.1))" }.joined(separator: "&")
        return try await perform(url: url, headers: headers + ["Content-Type: application/x-www-form-urlencoded"]) {
            easy throws(CurlError) in
            try easy.set(CURLOPT_COPYPOSTFIELDS, body)  // COPY: libcurl keeps its own copy of the body
        }
    }

    private func perform(
        url: String, headers: [String], protocols: String = "http,https",
        configure: @escaping @Sendable (CurlEasy) throws(CurlError) -> Void
    ) async throws -> HTTPResponse {
        let limits = self.limits
        return try await threadPool.runIfActive {
            let easy = CurlEasy()
            easy.maxResponseBytes = limits.maxResponseBytes
            try easy.set(CURLOPT_URL, url)
            try easy.set(CURLOPT_PROTOCOLS_STR, protocols)
            try easy.set(CURLOPT_NOSIGNAL, 1)
            try easy.set(CURLOPT_TIMEOUT_MS, limits.timeoutMs)
            try easy.set(CURLOPT_CONNECTTIMEOUT_MS, limits.connectTimeoutMs)
            try easy.set(CURLOPT_FOLLOWLOCATION, 0)
            try easy.set(CURLOPT_USERAGENT, "careerai-server")
            try easy.set(CURLOPT_HTTPHEADER, list: headers + ["Accept: application/json"])
            try configure(easy)
            let status = try easy.perform()
            return HTTPResponse(status: status, body: easy.responseBody, headerLines: easy.responseHeaders)
        }
    }

    private static let formSafe = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func formEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: formSafe) ?? ""
    }
}
