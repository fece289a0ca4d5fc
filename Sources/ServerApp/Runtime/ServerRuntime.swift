import Logging
import NIOCore
import RPCServer

/// careerai-server assembled from its configuration: the router with every service, and the RPC server.
/// Tests build one in-process the same way the executable does.
public struct ServerRuntime: Sendable {
    public let configuration: ServerConfiguration
    public let server: RPCServer
    public let health: HealthStatus

    public init(configuration: ServerConfiguration, logger: Logger) {
        self.configuration = configuration
        health = HealthStatus()
        var router = RPCRouter()
        router.register(HealthService(status: health))
        server = RPCServer(router: router, limits: configuration.rpcLimits, health: health, logger: logger)
    }

    public func start() async throws -> SocketAddress {
        try await server.start(host: configuration.rpcHost, port: configuration.rpcPort)
    }
}
