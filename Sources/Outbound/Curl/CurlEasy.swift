import CCurl
import Foundation

/// What went wrong with one libcurl transfer.
public struct CurlError: Error, Sendable, CustomStringConvertible {
    public var code: Int
    public var message: String
    /// True for failures to reach the peer (DNS, connect, TLS, timeouts), as opposed to a refusal.
    public var isUnreachable: Bool
    /// True when the SSRF guard refused the resolved address.
    public var blockedAddress = false
    /// True when the total timeout ended the transfer.
    public var isTimeout: Bool { code == Int(CURLE_OPERATION_TIMEDOUT.rawValue) }

    public var description: String { "curl error \(code): \(message)" }
}

/// One libcurl easy handle for one blocking transfer. Used only on a thread pool, never on an event
/// loop. Callbacks reach Swift through an unmanaged pointer to this object.
final class CurlEasy {
    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    let handle: UnsafeMutableRawPointer
    private var lists: [UnsafeMutablePointer<curl_slist>] = []
    /// libcurl writes its error text here during the transfer, so it lives as long as the handle.
    private let errorBuffer: UnsafeMutablePointer<CChar> = {
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        buffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        return buffer
    }()

    /// Response body, bounded by `maxResponseBytes`.
    private(set) var responseBody: [UInt8] = []
    private(set) var responseHeaders: [String] = []
    var maxResponseBytes = 1 << 20
    private(set) var responseTooLarge = false
    /// A POST body libcurl reads in place (CURLOPT_POSTFIELDS does not copy): kept for the transfer.
    private var postBody: UnsafeMutableRawBufferPointer?
    /// The SSRF guard's state, read by the C open-socket callback during the transfer.
    private var socketGuard: UnsafeMutablePointer<careerai_socket_guard>?
    private var guardOwner: SocketGuard?
    /// What an upload (SMTP) reads from.
    var uploadBody: [UInt8] = []
    private var uploadOffset = 0

    init() {
        _ = Self.globalInit
        guard let handle = curl_easy_init() else { fatalError("curl_easy_init failed: out of memory") }
        self.handle = handle
    }

    deinit {
        curl_easy_cleanup(handle)
        postBody?.deallocate()
        if let socketGuard {
            guardOwner?.blocked = Int(socketGuard.pointee.blocked)
            socketGuard.deallocate()
        }
        errorBuffer.deallocate()
        for list in lists { curl_slist_free_all(list) }
    }

    func set(_ option: CURLoption, _ value: Int) throws(CurlError) {
        try check(careerai_curl_setopt_long(handle, option, value), "setopt \(option.rawValue)")
    }

    func set(_ option: CURLoption, _ value: String) throws(CurlError) {
        // libcurl copies string options (CURLOPT_COPYPOSTFIELDS included), so the temporary C string may go.
        try check(careerai_curl_setopt_string(handle, option, value), "setopt \(option.rawValue)")
    }

    func setPostBody(_ body: [UInt8]) throws(CurlError) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(body.count, 1), alignment: 1)
        buffer.copyBytes(from: body)
        postBody = buffer
        try check(careerai_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, buffer.baseAddress), "post body")
    }

    func guardSockets(_ owner: SocketGuard) throws(CurlError) {
        let state = UnsafeMutablePointer<careerai_socket_guard>.allocate(capacity: 1)
        state.initialize(to: careerai_socket_guard(allow_private: owner.allowPrivate ? 1 : 0, blocked: 0))
        socketGuard = state
        guardOwner = owner
        try check(careerai_curl_guard_sockets(handle, state), "socket guard")
    }

    /// Copies the guard's count out after a transfer (the owner outlives this handle's thread hop).
    func syncGuard() {
        if let socketGuard { guardOwner?.blocked = Int(socketGuard.pointee.blocked) }
    }

    func set(_ option: CURLoption, list values: [String]) throws(CurlError) {
        var list: UnsafeMutablePointer<curl_slist>?
        for value in values { list = curl_slist_append(list, value) }
        guard let list else { return }
        lists.append(list)  // must outlive the transfer
        try check(careerai_curl_setopt_slist(handle, option, list), "setopt \(option.rawValue)")
    }

    /// Runs the transfer; returns the response code (HTTP status or the last SMTP reply code).
    func perform() throws(CurlError) -> Int {
        let me = Unmanaged.passUnretained(self).toOpaque()
        try check(careerai_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "error buffer")
        try check(
            careerai_curl_setopt_callback(
                handle, CURLOPT_WRITEFUNCTION,
                { buffer, size, count, userdata in
                    let easy = Unmanaged<CurlEasy>.fromOpaque(userdata!).takeUnretainedValue()
                    let length = size * count
                    guard easy.responseBody.count + length <= easy.maxResponseBytes else {
                        easy.responseTooLarge = true
                        return 0  // makes libcurl abort with CURLE_WRITE_ERROR
                    }
                    if let buffer {
                        easy.responseBody.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: length))
                    }
                    return length
                }), "write callback")
        try check(careerai_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, me), "write data")
        try check(
            careerai_curl_setopt_callback(
                handle, CURLOPT_HEADERFUNCTION,
                { buffer, size, count, userdata in
                    let easy = Unmanaged<CurlEasy>.fromOpaque(userdata!).takeUnretainedValue()
                    let length = size * count
                    if let buffer, easy.responseHeaders.count < 200 {
                        let bytes = UnsafeRawBufferPointer(start: buffer, count: min(length, 8192))
                        easy.responseHeaders.append(
                            String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
                    }
                    return length
                }), "header callback")
        try check(careerai_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, me), "header data")
        if !uploadBody.isEmpty {
            try check(
                careerai_curl_setopt_callback(
                    handle, CURLOPT_READFUNCTION,
                    { buffer, size, count, userdata in
                        let easy = Unmanaged<CurlEasy>.fromOpaque(userdata!).takeUnretainedValue()
                        let length = min(size * count, easy.uploadBody.count - easy.uploadOffset)
                        guard length > 0, let buffer else { return 0 }
                        easy.uploadBody.withUnsafeBytes { source in
                            UnsafeMutableRawPointer(buffer).copyMemory(
                                from: source.baseAddress! + easy.uploadOffset, byteCount: length)
                        }
                        easy.uploadOffset += length
                        return length
                    }), "read callback")
            try check(careerai_curl_setopt_pointer(handle, CURLOPT_READDATA, me), "read data")
            try set(CURLOPT_UPLOAD, 1)
        }
        let code = curl_easy_perform(handle)
        syncGuard()
        guard code == CURLE_OK else {
            if responseTooLarge {
                throw CurlError(
                    code: Int(code.rawValue), message: "the response is larger than \(maxResponseBytes) bytes",
                    isUnreachable: false)
            }
            throw error(code, "transfer")
        }
        var status = 0
        _ = careerai_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return status
    }

    private func check(_ code: CURLcode, _ what: String) throws(CurlError) {
        guard code == CURLE_OK else { throw error(code, what) }
    }

    private func error(_ code: CURLcode, _ what: String) -> CurlError {
        let detail = String(cString: errorBuffer)
        let text = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        let unreachable: Set<CURLcode> = [
            CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT,
            CURLE_SSL_CONNECT_ERROR, CURLE_COULDNT_RESOLVE_PROXY, CURLE_SEND_ERROR,
            CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PEER_FAILED_VERIFICATION,
        ]
        return CurlError(
            code: Int(code.rawValue), message: "\(what): \(text)", isUnreachable: unreachable.contains(code))
    }
}

/// What the SSRF guard saw during one transfer (set from the thread that ran it).
final class SocketGuard: @unchecked Sendable {
    // @unchecked: written by the transfer's thread, read after the transfer's result has been
    // handed back across the thread pool's completion (which orders the accesses).
    let allowPrivate: Bool
    var blocked = 0

    init(allowPrivate: Bool) {
        self.allowPrivate = allowPrivate
    }
}
