import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

@testable import RESTAdapter

@Suite("careerai-rest's connection bounds: connections per peer, time to read a request")
struct ConnectionBoundsTests {
    @Test("a peer gets `limit` connections; a closed one frees its slot; other peers are counted apart")
    func peerCounts() {
        let counts = PeerConnectionCounts(limit: 2)
        #expect(counts.opened("10.0.0.1") && counts.opened("10.0.0.1"))
        #expect(!counts.opened("10.0.0.1"), "a third is refused")
        #expect(counts.opened("10.0.0.2"))
        counts.closed("10.0.0.1")
        #expect(counts.count("10.0.0.1") == 1 && counts.opened("10.0.0.1"))
        counts.closed("10.0.0.2")
        #expect(counts.count("10.0.0.2") == 0, "a peer with no connection leaves the table")
    }

    @Test("the limiter closes a connection over its peer's limit and releases exactly what it counted")
    func limiterOnAChannel() throws {
        let counts = PeerConnectionCounts(limit: 1)
        let address = try SocketAddress(ipAddress: "192.0.2.7", port: 40_000)
        let first = EmbeddedChannel()
        first.remoteAddress = address  // before the handler is added: the limiter reads it then
        try first.connect(to: address).wait()
        try first.pipeline.syncOperations.addHandler(PeerConnectionLimiter(counts: counts))
        #expect(first.isActive && counts.count("192.0.2.7") == 1)
        let second = EmbeddedChannel()
        second.remoteAddress = try SocketAddress(ipAddress: "192.0.2.7", port: 40_001)
        try second.connect(to: second.remoteAddress!).wait()
        try second.pipeline.syncOperations.addHandler(PeerConnectionLimiter(counts: counts))
        #expect(!second.isActive, "closed: its peer holds its one connection")
        #expect(counts.count("192.0.2.7") == 1, "the refused one was never counted")
        _ = try first.finish()
        #expect(counts.count("192.0.2.7") == 0)
    }

    func request() -> HTTPRequest { HTTPRequest(method: .get, scheme: "http", authority: "demo.localhost", path: "/") }

    /// A connected channel whose only handler is a `RequestReadTimeout`, on a loop the test drives.
    func timedChannel(_ timeout: TimeAmount) throws -> (EmbeddedChannel, EmbeddedEventLoop) {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(loop: loop)
        try channel.connect(to: try SocketAddress(ipAddress: "192.0.2.8", port: 1)).wait()
        try channel.pipeline.syncOperations.addHandler(RequestReadTimeout(timeout: timeout))
        return (channel, loop)
    }

    @Test("a request not read whole in time closes the connection; after that, each answer's end restarts the clock")
    func readTimeout() throws {
        let (channel, loop) = try timedChannel(.seconds(5))
        try channel.writeInbound(HTTPRequestPart.head(request()))
        loop.advanceTime(by: .seconds(4))
        #expect(channel.isActive)
        try channel.writeInbound(HTTPRequestPart.end(nil))
        loop.advanceTime(by: .seconds(60))
        #expect(channel.isActive, "a request read whole: the answer may take its time")
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        loop.advanceTime(by: .seconds(4))
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive, "no next request within 5 s of the answer's end")
    }

    @Test("a head that trickles in never completes the request: closed at the deadline")
    func slowHead() throws {
        let (channel, loop) = try timedChannel(.seconds(3))
        try channel.writeInbound(HTTPRequestPart.head(request()))
        for _ in 0..<2 {
            loop.advanceTime(by: .seconds(1))
            try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "x")))
        }
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }
}
