import NIOCore
import Synchronization

/// Counts open connections by peer address and closes one that would take its peer over the limit,
/// before any byte of it is read: one host opening thousands of connections gets `limit` of them,
/// and the others (`CAREERAI_REST_MAX_CONNECTIONS` in all) stay for everyone else.
final class PeerConnectionCounts: Sendable {
    let limit: Int
    /// Only peers with an open connection have an entry, so the table holds at most
    /// `CAREERAI_REST_MAX_CONNECTIONS` entries: its bound is the server's own.
    private let counts = Mutex<[String: Int]>([:])

    init(limit: Int) {
        precondition(limit > 0)
        self.limit = limit
    }

    /// Whether a new connection from `peer` may stay; a true answer must be matched by `closed`.
    func opened(_ peer: String) -> Bool {
        counts.withLock { counts in
            let count = counts[peer, default: 0]
            guard count < limit else { return false }
            counts[peer] = count + 1
            return true
        }
    }

    func closed(_ peer: String) {
        counts.withLock { counts in
            guard let count = counts[peer] else { return }
            assert(count > 0)
            counts[peer] = count > 1 ? count - 1 : nil
        }
    }

    func count(_ peer: String) -> Int { counts.withLock { $0[peer, default: 0] } }
}

/// The per-connection side of `PeerConnectionCounts`, first in the connection's pipeline.
final class PeerConnectionLimiter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let counts: PeerConnectionCounts
    private var counted: String?

    init(counts: PeerConnectionCounts) {
        self.counts = counts
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // The address without the port: a host's connections come from many ports.
        guard let peer = context.channel.remoteAddress?.ipAddress else { return }
        if counts.opened(peer) {
            counted = peer
        } else {
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        release()
    }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    private func release() {
        if let peer = counted {
            counts.closed(peer)
            counted = nil
        }
    }
}
