import RPCCore
import Wire

/// Sends one encoded STREAM_MESSAGE; returns once the connection has taken it (backpressure), throws
/// `CancellationError` once the call has ended (cancelled, deadline passed, connection closed).
struct RPCStreamSink: Sendable {
    let send: @Sendable ([UInt8]) async throws -> Void
}

/// The typed handle a server-streaming handler sends its messages through.
public struct RPCResponseWriter<Response: WireMessage>: Sendable {
    let sink: RPCStreamSink

    public func send(_ message: Response) async throws {
        try await sink.send(try RPCRouter.encodeResponse(message))
    }
}
