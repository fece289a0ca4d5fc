import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP/1.1 keep-alive connection that sends a request and awaits its whole answer, one at a
/// time, as a browser's connection does. It returns the status; the body is read and dropped.
struct HTTPLoadClient: Sendable {
    let channel: any Channel

    /// Answers larger than this are an error: a benchmark's GET /v1/wallet is a few hundred bytes.
    static let maxResponseBytes = 1 << 20

    static func connect(host: String, port: Int, on loop: any EventLoop) async throws -> HTTPLoadClient {
        let channel = try await ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(OneRequestAtATimeHandler())
                }
            }
            .connect(host: host, port: port).get()
        return HTTPLoadClient(channel: channel)
    }

    /// The answer's status; throws when the connection fails or closes first.
    func send(_ head: HTTPRequestHead) async throws -> HTTPResponseStatus {
        let promise = channel.eventLoop.makePromise(of: HTTPResponseStatus.self)
        channel.writeAndFlush(OneRequestAtATimeHandler.Request(head: head, answer: promise), promise: nil)
        return try await promise.futureResult.get()
    }

    func close() async {
        try? await channel.close()
    }
}

/// Writes a request (head and end), completes its promise at the answer's end. A second request
/// while one is outstanding is a caller's bug: each load task owns its connection.
private final class OneRequestAtATimeHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = Request
    typealias OutboundOut = HTTPClientRequestPart

    struct Request: Sendable {
        let head: HTTPRequestHead
        let answer: EventLoopPromise<HTTPResponseStatus>
    }

    private var outstanding: EventLoopPromise<HTTPResponseStatus>?
    private var status: HTTPResponseStatus = .ok
    private var bodyBytes = 0

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        precondition(outstanding == nil, "one request at a time on a load connection")
        outstanding = request.answer
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        context.write(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = head.status
            bodyBytes = 0
        case .body(let body):
            bodyBytes += body.readableBytes
            if bodyBytes > Self.limit { fail(context: context, HTTPLoadError.answerTooLarge) }
        case .end:
            let answer = outstanding
            outstanding = nil
            answer?.succeed(status)
        }
    }

    private static var limit: Int { HTTPLoadClient.maxResponseBytes }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context: context, error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        outstanding?.fail(HTTPLoadError.closed)
        outstanding = nil
        context.fireChannelInactive()
    }

    private func fail(context: ChannelHandlerContext, _ error: any Error) {
        outstanding?.fail(error)
        outstanding = nil
        context.close(promise: nil)
    }
}

enum HTTPLoadError: Error {
    case closed
    case answerTooLarge
    case status(HTTPResponseStatus)
}
