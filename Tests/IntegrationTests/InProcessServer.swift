import Client
import Contract
import Logging
import NIOCore
import RPCServer
import TestSupport

/// An RPCServer on an ephemeral loopback port inside the test process, with the test service.
struct InProcessServer {
    let server: RPCServer
    let port: Int
    let probe: Probe
    let health: HealthStatus

    static func start(
        limits: RPCServerLimits = RPCServerLimits(), port: Int = 0, exemptAddresses: Set<String> = []
    ) async throws -> InProcessServer {
        let probe = Probe()
        let health = HealthStatus()
        let server = RPCServer(
            router: makeTestRouter(probe: probe, health: health), limits: limits, health: health,
            exemptAddresses: exemptAddresses,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let address = try await server.start(host: "127.0.0.1", port: port)
        return InProcessServer(server: server, port: address.port!, probe: probe, health: health)
    }

    func client(configure: (inout ClientConfiguration) -> Void = { _ in }) -> CareerAIClient {
        var configuration = ClientConfiguration(host: "127.0.0.1", port: port)
        configure(&configuration)
        return CareerAIClient(configuration: configuration)
    }
}
