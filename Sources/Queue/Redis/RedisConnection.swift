import CHiredis
import Foundation
import Settings

/// What a Redis command answered.
public indirect enum RedisValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case array([RedisValue])
    case null
    case status(String)
    case error(String)

    var string: String? {
        switch self {
        case .string(let text), .status(let text): return text
        default: return nil
        }
    }

    var array: [RedisValue]? {
        if case .array(let values) = self { return values }
        return nil
    }
}

public struct RedisError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// The connection is broken (refused, reset, timed out): open a new one.
    public var isConnectionError: Bool

    public var description: String { message }
}

/// One blocking hiredis connection. Used from one thread at a time (the queue's thread pool); every
/// command goes through `redisCommandArgv` (the variadic `redisCommand` is not callable from Swift).
final class RedisConnection {
    private let context: UnsafeMutablePointer<redisContext>

    /// `redis://[:password@]host:port[/db]`.
    init(url: RedisURL, connectTimeoutMs: Int, commandTimeoutMs: Int) throws(RedisError) {
        let timeout = timeval(tv_sec: connectTimeoutMs / 1000, tv_usec: Int((connectTimeoutMs % 1000) * 1000))
        guard let context = redisConnectWithTimeout(url.host, Int32(url.port), timeout) else {
            throw RedisError(message: "out of memory connecting to Redis", isConnectionError: true)
        }
        guard context.pointee.err == 0 else {
            let message = Self.errorText(context)
            redisFree(context)
            throw RedisError(
                message: "cannot connect to Redis at \(url.host):\(url.port): \(message)", isConnectionError: true)
        }
        self.context = context
        try setTimeout(ms: commandTimeoutMs)
        if let password = url.password { try expectOK(command(["AUTH", password]), "AUTH") }
        if url.database != 0 { try expectOK(command(["SELECT", String(url.database)]), "SELECT") }
    }

    deinit { redisFree(context) }

    func setTimeout(ms: Int) throws(RedisError) {
        let timeout = timeval(tv_sec: ms / 1000, tv_usec: Int((ms % 1000) * 1000))
        guard redisSetTimeout(context, timeout) == REDIS_OK else {
            throw RedisError(message: "cannot set the Redis timeout", isConnectionError: true)
        }
    }

    /// Runs one command. A Redis error reply is returned as `.error`; a broken connection throws.
    func command(_ arguments: [String]) throws(RedisError) -> RedisValue {
        precondition(!arguments.isEmpty && arguments.count < 1024)
        let utf8 = arguments.map { Array($0.utf8) }
        let reply: UnsafeMutableRawPointer? = withArgv(utf8) { argv, lengths in
            redisCommandArgv(context, Int32(arguments.count), argv, lengths)
        }
        guard let reply else {
            throw RedisError(message: "Redis connection failed: \(Self.errorText(context))", isConnectionError: true)
        }
        defer { freeReplyObject(reply) }
        return Self.value(reply.assumingMemoryBound(to: redisReply.self))
    }

    private func withArgv<T>(
        _ arguments: [[UInt8]], _ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> T
    ) -> T {
        let pointers = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: arguments.count)
        let buffers = arguments.map { bytes -> UnsafeMutablePointer<CChar> in
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(bytes.count, 1))
            bytes.withUnsafeBufferPointer { source in
                if let base = source.baseAddress {
                    UnsafeMutableRawPointer(buffer).copyMemory(from: base, byteCount: bytes.count)
                }
            }
            return buffer
        }
        defer {
            buffers.forEach { $0.deallocate() }
            pointers.deallocate()
        }
        for (index, buffer) in buffers.enumerated() { pointers[index] = UnsafePointer(buffer) }
        let lengths = arguments.map(\.count)
        return lengths.withUnsafeBufferPointer { body(pointers, $0.baseAddress!) }
    }

    private func expectOK(_ value: RedisValue, _ what: String) throws(RedisError) {
        if case .error(let message) = value {
            throw RedisError(message: "\(what): \(message)", isConnectionError: false)
        }
    }

    private static func value(_ reply: UnsafeMutablePointer<redisReply>) -> RedisValue {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STRING:
            return .string(String(decoding: UnsafeRawBufferPointer(start: r.str, count: r.len), as: UTF8.self))
        case REDIS_REPLY_STATUS:
            return .status(String(decoding: UnsafeRawBufferPointer(start: r.str, count: r.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: UnsafeRawBufferPointer(start: r.str, count: r.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(r.integer)
        case REDIS_REPLY_ARRAY:
            return .array((0..<r.elements).map { value(r.element[$0]!) })
        default:
            return .null
        }
    }

    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}

/// A parsed `redis://[:password@]host:port[/db]`.
public struct RedisURL: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var password: String?
    public var database: Int

    public init(_ text: String) throws(RedisError) {
        guard let url = URLComponents(string: text), url.scheme == "redis", let host = url.host, !host.isEmpty else {
            throw RedisError(
                message: "'\(SettingsReader.redacted(text))' is not redis://host:port[/db]", isConnectionError: false)
        }
        self.host = host
        port = url.port ?? 6379
        password = url.password.flatMap { $0.isEmpty ? nil : $0 }
        let path = url.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard let database = path.isEmpty ? 0 : Int(path), (0...15).contains(database) else {
            throw RedisError(
                message: "'\(SettingsReader.redacted(text))': the database must be 0…15", isConnectionError: false)
        }
        self.database = database
    }
}
