import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import Settings

/// careerai-rest: serves HTTP/JSON and the web app, calling careerai-server for every answer.
public struct RESTCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "careerai-rest",
        abstract:
            "The HTTP/JSON adapter for browsers (configured by CAREERAI_REST_ADDR, CAREERAI_RPC_TARGET, CAREERAI_BASE_DOMAIN)."
    )

    public init() {}

    public func run() async throws {
        let settings = SettingsReader.environment(ProcessInfo.processInfo.environment)
        let configuration: RESTConfiguration
        do {
            configuration = try RESTConfiguration(settings: settings)
        } catch {
            FileHandle.standardError.write(Data("careerai-rest: \(error)\n".utf8))
            throw ExitCode(2)
        }
        var baseLogger = Logger(label: "careerai.rest")
        baseLogger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
        let logger = baseLogger
        let pages = try PageFiles.load()
        let shutdown = ShutdownSignal()
        let gateway = RPCGateway(configuration: configuration)
        let services = RESTServices(
            gateway: gateway, tokens: SignedTokens(key: configuration.secret), configuration: configuration,
            shutdown: shutdown)
        let box = DocumentBox()
        let routes =
            SiteRoutes.routes(openAPI: { box.bytes }, pages: pages) + AuthRoutes.routes() + AccountRoutes.routes()
            + RunRoutes.routes() + ToolRoutes.routes()
        box.bytes = OpenAPIDocument.make(routes)
        let responder = RESTResponder(
            table: RouteTable(routes: routes), services: services,
            tenants: HostTenant(baseDomain: configuration.baseDomain),
            logger: logger)
        let application = Application(
            responder: responder,
            server: .http1(configuration: Self.http1(configuration)),
            configuration: .init(
                address: .hostname(configuration.address.host, port: configuration.address.port),
                serverName: nil, availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections)
            ),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.address.port
                logger.notice(
                    "careerai-rest listening",
                    metadata: [
                        "addr": "\(configuration.address.host):\(port)",
                        "rpc_target": "\(configuration.rpcTarget.host):\(configuration.rpcTarget.port)",
                    ])
                FileHandle.standardOutput.write(
                    Data("careerai-rest: listening on \(configuration.address.host):\(port)\n".utf8))
            },
            logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: application), .init(service: ShutdownSignalService(signal: shutdown))],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await gateway.close()
    }
}

extension RESTCommand {
    /// HTTP/1 with every connection bounded: connections per peer, time to read a request, idle time,
    /// header sizes (browsers send a few KiB; NIO's defaults allow 80 KiB and 1,000 fields).
    static func http1(_ configuration: RESTConfiguration) -> HTTP1Channel.Configuration {
        let peers =
            configuration.maxConnectionsPerPeer > 0
            ? PeerConnectionCounts(limit: configuration.maxConnectionsPerPeer) : nil
        return HTTP1Channel.Configuration(
            additionalChannelHandlers: (peers.map { [PeerConnectionLimiter(counts: $0)] } ?? [])
                + [RequestReadTimeout(timeout: TimeAmount(configuration.requestReadTimeout))],
            idleTimeout: TimeAmount(configuration.idleTimeout),
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: 16 * 1024, maxHeaderListSize: 32 * 1024, maxHeaderFieldCount: 100))
    }
}

/// The OpenAPI document, made once the routes exist (its own route serves it).
final class DocumentBox: @unchecked Sendable {
    // @unchecked: written once before the server starts, read only afterwards.
    var bytes: [UInt8] = []
}
