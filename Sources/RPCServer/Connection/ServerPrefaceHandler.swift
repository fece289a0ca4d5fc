import Logging
import NIOCore
import RPCCore

/// The first handler of a server connection: reads the client's 8-byte preface, answers with the
/// server's, then steps out of the pipeline and hands on whatever bytes followed the preface.
///
/// Bytes that are not a preface close the connection at once with one log line; a preface of another
/// version gets the server's preface (so the client learns what we speak) and then the close.
final class ServerPrefaceHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let handshakeTimeout: Duration
    private let logger: Logger
    private var buffered: ByteBuffer?
    private var timeout: Scheduled<Void>?
    private var done = false

    init(handshakeTimeout: Duration, logger: Logger) {
        self.handshakeTimeout = handshakeTimeout
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { armTimeout(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        armTimeout(context: context)
        context.fireChannelActive()
    }

    private func armTimeout(context: ChannelHandlerContext) {
        guard timeout == nil else { return }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timeout = context.eventLoop.scheduleTask(in: TimeAmount(handshakeTimeout)) { [logger] in
            logger.info(
                "closing connection: no preface",
                metadata: ["peer": "\(loopBound.value.remoteAddress?.description ?? "?")"])
            loopBound.value.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        var incoming = unwrapInboundIn(data)
        if buffered == nil {
            buffered = incoming
        } else {
            buffered!.writeBuffer(&incoming)
        }
        switch Preface.parse(buffered!) {
        case .needMoreBytes:
            return
        case .notAPreface:
            reject(context: context, "not a CareerAI RPC preface")
        case .preface(let preface) where preface.version != Preface.currentVersion:
            done = true
            timeout?.cancel()
            logger.info(
                "closing connection: unsupported protocol version",
                metadata: [
                    "peer": "\(context.remoteAddress?.description ?? "?")", "version": "\(preface.version)",
                ])
            context.writeAndFlush(wrapOutboundOut(Preface.current.bytes)).whenComplete { _ in
                context.close(promise: nil)
            }
        case .preface:
            done = true
            timeout?.cancel()
            context.writeAndFlush(wrapOutboundOut(Preface.current.bytes), promise: nil)
            buffered!.moveReaderIndex(forwardBy: Preface.byteCount)
            context.fireUserInboundEventTriggered(PrefaceExchanged())
            // handlerRemoved passes on what followed the preface, once the frame decoder is next.
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timeout?.cancel()
        if let rest = buffered, rest.readableBytes > 0, done {
            buffered = nil
            context.fireChannelRead(wrapInboundOut(rest))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        context.fireChannelInactive()
    }

    private func reject(context: ChannelHandlerContext, _ why: String) {
        done = true
        timeout?.cancel()
        logger.info("closing connection: \(why)", metadata: ["peer": "\(context.remoteAddress?.description ?? "?")"])
        context.close(promise: nil)
    }
}

/// Fired down the pipeline once both prefaces are exchanged: from then on frames may be written.
struct PrefaceExchanged {}
