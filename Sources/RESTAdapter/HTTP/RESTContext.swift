import Hummingbird
import Logging
import NIOCore

/// The per-request context: Hummingbird's core storage plus the peer's address (sent to the server as
/// `x-forwarded-for`, since every call reaches the server from the adapter's own address).
public struct RESTContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let peerAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerAddress = source.channel.remoteAddress?.ipAddress
    }
}
