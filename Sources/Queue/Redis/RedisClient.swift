import NIOPosix
import Synchronization

/// A small pool of blocking hiredis connections, each used on one thread of its own thread pool at a
/// time. Shared by the run queue and the code limiter's Redis store, which know nothing of each other.
public final class RedisClient: Sendable {
    public struct Configuration: Sendable {
        public var url: RedisURL
        public var maxConnections = 8
        public var connectTimeoutMs = 2_000
        public var commandTimeoutMs = 10_000

        public init(url: RedisURL) { self.url = url }
    }

    private let configuration: Configuration
    private let threadPool: NIOThreadPool
    private let idle = Mutex<[RedisConnection]>([])

    public init(configuration: Configuration) {
        precondition(configuration.maxConnections >= 1 && configuration.commandTimeoutMs >= 1)
        self.configuration = configuration
        threadPool = NIOThreadPool(numberOfThreads: configuration.maxConnections)
        threadPool.start()
    }

    public func shutdown() async {
        try? await threadPool.shutdownGracefully()
        idle.withLock { $0.removeAll() }
    }

    /// Runs `body` on a pool thread with an idle connection (or a new one); a broken one is dropped.
    /// A pooled connection may have died while idle (Redis restarted): then `body` is tried once more
    /// on a new connection, so a restart costs no caller an error. Callers' commands must therefore be
    /// safe to repeat.
    func run<T: Sendable>(_ body: @escaping @Sendable (RedisConnection) throws -> T) async throws(RedisError) -> T {
        let c = configuration
        do {
            return try await threadPool.runIfActive { [self] in
                let result: T
                if let pooled = idle.withLock({ $0.popLast() }) {
                    do {
                        result = try body(pooled)
                        idle.withLock { if $0.count < c.maxConnections { $0.append(pooled) } }
                        return result
                    } catch is RedisError {
                        // Fall through to a new connection.
                    }
                }
                let connection = try RedisConnection(
                    url: c.url, connectTimeoutMs: c.connectTimeoutMs, commandTimeoutMs: c.commandTimeoutMs)
                result = try body(connection)
                idle.withLock { if $0.count < c.maxConnections { $0.append(connection) } }
                return result
            }
        } catch let error as RedisError {
            throw error
        } catch {
            throw RedisError(message: "the Redis client is shut down", isConnectionError: true)
        }
    }
}

// RedisConnection is used by one pool thread at a time; the idle list hands it over under a lock.
extension RedisConnection: @unchecked Sendable {}
