import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A loopback HTTP/1.1 server answering through a closure, counting the connections and requests
/// that reached it (SSRF tests check that none did).
public final class HTTPStandIn: Sendable {
    public struct Request: Sendable {
        public var method: String
        public var uri: String
        public var headers: [(String, String)]
        public var body: String

        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    public typealias Response = (status: Int, headers: [(String, String)], body: String)

    private let channel: any Channel
    private let counts = Mutex((connections: 0, requests: 0))
    public let port: Int

    public var connections: Int { counts.withLock { $0.connections } }
    public var requests: Int { counts.withLock { $0.requests } }

    public static func start(_ respond: @escaping @Sendable (Request) async -> Response) async throws -> HTTPStandIn {
        let box = Mutex<HTTPStandIn?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                box.withLock { $0 }?.counts.withLock { $0.connections += 1 }
                return channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(
                        StandInHTTPHandler(respond: { head, body, done in
                            let request = Request(
                                method: head.method.rawValue, uri: head.uri,
                                headers: head.headers.map { ($0.name, $0.value) }, body: body)
                            box.withLock { $0 }?.counts.withLock { $0.requests += 1 }
                            Task {
                                let response = await respond(request)
                                done((HTTPResponseStatus(statusCode: response.status), response.headers, response.body))
                            }
                        }))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let standIn = HTTPStandIn(channel: channel)
        box.withLock { $0 = standIn }
        return standIn
    }

    private init(channel: any Channel) {
        self.channel = channel
        port = channel.localAddress!.port!
    }

    public func stop() async {
        try? await channel.close()
    }
}
