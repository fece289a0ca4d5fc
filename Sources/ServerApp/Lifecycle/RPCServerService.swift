import NIOCore
import RPCServer
import ServiceLifecycle

/// The RPC server as a service: listens in `run()`, reports the bound address, and on graceful
/// shutdown drains (GOAWAY, calls in flight finish within the drain timeout) before returning.
struct RPCServerService: Service {
    let server: RPCServer
    let host: String
    let port: Int
    let onListening: @Sendable (SocketAddress) -> Void

    func run() async throws {
        let address = try await server.start(host: host, port: port)
        onListening(address)
        // Cancellation ends the wait too; the drain is bounded by its own timeout either way.
        try? await gracefulShutdown()
        await server.drain()
    }
}
