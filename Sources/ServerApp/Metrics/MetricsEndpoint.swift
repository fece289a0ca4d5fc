import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import RPCServer
import Synchronization

/// Prometheus text on `GET /metrics`, over plain HTTP/1.1 on its own port (an operator's address:
/// loopback or a private network, never the public one). Every request is bounded: at most
/// `maxConnections` at once, 10 s of silence closes a connection, the answer goes at the request's head, and
/// every answer closes its connection, so a client can hold nothing open.
final class MetricsEndpoint: Sendable {
    static let maxConnections = 32
    static let idleTimeout = TimeAmount.seconds(10)

    private let registry: PrometheusCollectorRegistry
    private let logger: Logger
    private let channel = Mutex<(any Channel)?>(nil)
    private let open = OpenCount()

    init(registry: PrometheusCollectorRegistry, logger: Logger) {
        self.registry = registry
        self.logger = logger
    }

    func start(host: String, port: Int) async throws -> SocketAddress {
        let (registry, open) = (self.registry, self.open)
        let bound = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 64)
            .childChannelInitializer { channel in
                guard open.take(max: Self.maxConnections) else { return channel.close() }
                channel.closeFuture.whenComplete { _ in open.release() }
                return channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(IdleStateHandler(allTimeout: Self.idleTimeout))
                    try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                    try pipeline.addHandler(MetricsHTTPHandler(registry: registry))
                }
            }
            .bind(host: host, port: port)
            .get()
        channel.withLock { $0 = bound }
        guard let address = bound.localAddress else { throw RPCServerError.noLocalAddress }
        logger.info("serving metrics", metadata: ["address": "\(address)", "path": "/metrics"])
        return address
    }

    func stop() async {
        let bound = channel.withLock { channel in
            defer { channel = nil }
            return channel
        }
        try? await bound?.close()
    }
}

/// Connections open now, taken only below a bound.
final class OpenCount: Sendable {
    private let count = Mutex(0)

    func take(max: Int) -> Bool {
        count.withLock { count in
            guard count < max else { return false }
            count += 1
            return true
        }
    }

    func release() { count.withLock { $0 -= 1 } }
}

/// One request per connection, answered as soon as its head arrives (no route takes a body, so a
/// client trickling one cannot hold the connection): `GET /metrics` (or HEAD) → 200 with the
/// registry's text; another path → 404; another method → 405 with `Allow`.
final class MetricsHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let registry: PrometheusCollectorRegistry
    private var answered = false

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data), !answered else { return }
        answered = true
        respond(to: head, context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) }
        context.fireUserInboundEventTriggered(event)
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        var headers = HTTPHeaders([("Connection", "close"), ("Cache-Control", "no-store")])
        let status: HTTPResponseStatus
        var body: [UInt8]
        if path != "/metrics" {
            (status, body) = (.notFound, Array("not found: the metrics are at /metrics\n".utf8))
        } else if head.method != .GET && head.method != .HEAD {
            (status, body) = (.methodNotAllowed, Array("GET /metrics\n".utf8))
            headers.add(name: "Allow", value: "GET, HEAD")
        } else {
            (status, body) = (.ok, registry.emitToBuffer())
            headers.add(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")
        }
        if status != .ok { headers.add(name: "Content-Type", value: "text/plain; charset=utf-8") }
        headers.add(name: "Content-Length", value: String(body.count))
        if head.method == .HEAD { body = [] }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))),
            promise: nil)
        if !body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
