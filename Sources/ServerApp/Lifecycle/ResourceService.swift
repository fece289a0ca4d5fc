import ServiceLifecycle

/// A resource the other services use (the database pool, the Redis connections, the outbound
/// threads) as a service: it is listed before its users, so the group shuts it down after them, and
/// it closes in `run()` once the shutdown reaches it.
struct ResourceService: Service, CustomStringConvertible {
    let description: String
    let close: @Sendable () async -> Void

    func run() async throws {
        try? await gracefulShutdown()
        await close()
    }
}
