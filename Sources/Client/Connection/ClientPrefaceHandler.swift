import NIOCore
import RPCCore

/// Sends the client's preface when the connection opens, checks the server's, then steps aside.
final class ClientPrefaceHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let ready: EventLoopPromise<Void>
    private var buffered: ByteBuffer?
    private var done = false

    init(ready: EventLoopPromise<Void>) {
        self.ready = ready
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(Preface.current.bytes), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        var incoming = unwrapInboundIn(data)
        if buffered == nil { buffered = incoming } else { buffered!.writeBuffer(&incoming) }
        switch Preface.parse(buffered!) {
        case .needMoreBytes:
            return
        case .notAPreface:
            fail(context: context, .notACareerAIServer)
        case .preface(let preface) where preface.version != Preface.currentVersion:
            fail(context: context, .unsupportedVersion(preface.version))
        case .preface:
            done = true
            buffered!.moveReaderIndex(forwardBy: Preface.byteCount)
            ready.succeed()
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if done, let rest = buffered, rest.readableBytes > 0 {
            buffered = nil
            context.fireChannelRead(wrapInboundOut(rest))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done {
            done = true
            ready.fail(HandshakeError.closedDuringHandshake)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !done {
            done = true
            ready.fail(error)
        }
        context.close(promise: nil)
    }

    private func fail(context: ChannelHandlerContext, _ error: HandshakeError) {
        done = true
        ready.fail(error)
        context.close(promise: nil)
    }

    enum HandshakeError: Error {
        case notACareerAIServer
        case unsupportedVersion(UInt16)
        case closedDuringHandshake
    }
}
