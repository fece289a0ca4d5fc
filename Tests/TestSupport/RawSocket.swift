import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A plain blocking TCP socket for tests that must send arbitrary bytes, bypassing every codec.
public final class RawSocket {
    private var fd: Int32

    /// - Parameter source: the local address to connect from (another loopback address, e.g.
    ///   127.0.0.2, is another client host as far as the server can tell).
    public init(host: String = "127.0.0.1", port: Int, source: String? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawSocketError.system("socket", errno) }
        do {
            if let source { try Self.call("bind", fd, source, port: 0, bind) }
            try Self.call("connect", fd, host, port: port, connect)
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    /// `operation` (bind or connect) on `fd` with the IPv4 address `host:port`.
    private static func call(
        _ name: String, _ fd: Int32, _ host: String, port: Int,
        _ operation: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Int32
    ) throws {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            throw RawSocketError.system("\(name): '\(host)' is not an IPv4 address", EINVAL)
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                operation(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else { throw RawSocketError.system(name, errno) }
    }

    /// Sends everything; a peer that closed first is not an error here (tests send garbage on purpose).
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    /// Sends what the socket takes without waiting: the bytes written (0 when its buffer is full), or
    /// nil when the peer closed.
    public func sendWithoutWaiting(_ bytes: ArraySlice<UInt8>) -> Int? {
        let written = bytes.withUnsafeBytes {
            Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
        }
        if written >= 0 { return written }
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : nil
    }

    /// Reads exactly `count` bytes, or nil on close or when `timeoutMs` passes.
    public func read(count: Int, timeoutMs: Int32 = 5_000) -> [UInt8]? {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while bytes.count < count {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, timeoutMs) > 0 else { return nil }
            let wanted = min(buffer.count, count - bytes.count)
            let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, wanted, 0) }
            guard got > 0 else { return nil }
            bytes.append(contentsOf: buffer[0..<got])
        }
        return bytes
    }

    /// Reads what has arrived (waiting up to `timeoutMs` for something): [] on an orderly close, nil
    /// on a timeout or an error.
    public func readAvailable(timeoutMs: Int32 = 5_000) -> [UInt8]? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, timeoutMs) > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard got >= 0 else { return nil }
        return Array(buffer[0..<got])
    }

    public func close() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }

    deinit { close() }
}

public enum RawSocketError: Error, CustomStringConvertible {
    case system(String, Int32)
    public var description: String {
        switch self {
        case .system(let call, let code): return "\(call): \(String(cString: strerror(code)))"
        }
    }
}

/// A loopback port bound but never listened on, held until deinit: connections to it are refused.
public final class ClosedPort {
    public let port: Int
    private let fd: Int32

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawSocketError.system("socket", errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else {
            Glibc.close(fd)
            throw RawSocketError.system("bind", errno)
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { Glibc.close(fd) }
}

// One test drives a socket at a time.
extension RawSocket: @unchecked Sendable {}

extension RawSocket {
    /// `read(count:timeoutMs:)` on a Dispatch thread: a blocking wait must not hold one of the few
    /// threads of Swift's cooperative pool, which every other test running at once needs.
    public func readAwaiting(count: Int, timeoutMs: Int32 = 5_000) async -> [UInt8]? {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: self.read(count: count, timeoutMs: timeoutMs))
            }
        }
    }
}
