import NIOCore
import NIOPosix
import RPCCore
import Wire

@_exported import enum Contract.Methods
@_exported import enum RPCCore.MetadataKey
@_exported import struct RPCCore.MethodDescriptor
@_exported import struct RPCCore.RPCError
@_exported import enum RPCCore.StatusCode

/// The Swift client of careerai-server. Connects lazily, multiplexes concurrent calls over one
/// connection, and reconnects when the connection drops. Every failure is an `RPCError`.
///
///     let client = CareerAIClient(configuration: ClientConfiguration(host: "127.0.0.1", port: 7420))
///     let health = try await client.health.check()
public final class CareerAIClient: Sendable {
    public let configuration: ClientConfiguration
    private let connections: ConnectionManager

    public init(configuration: ClientConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.connections = ConnectionManager(configuration: configuration, group: group)
    }

    public var health: HealthClient { HealthClient(client: self) }

    /// Calls a unary method. `timeoutMs` nil uses the configuration's default deadline.
    public func unary<Request: WireMessage, Response: WireMessage>(
        _ method: MethodDescriptor<Request, Response>, _ request: Request,
        metadata: [String: String] = [:], timeoutMs: UInt32? = nil
    ) async throws(RPCError) -> Response {
        precondition(method.kind == .unary, "\(method.path) is \(method.kind), called as unary")
        let timeoutMs = timeoutMs ?? configuration.defaultUnaryTimeoutMs
        let payload = try Self.encode(request)
        let frame = Frame(
            callID: 0, type: .request, method: method.path,  // the connection numbers it as it writes it
            metadata: merged(metadata), timeoutMs: timeoutMs, payload: payload)
        var answer: Frame?
        // A connection that used up its call ids (while this call was on its way to it) never wrote
        // the call: it is safe to send it again, on the new connection the manager opens.
        for _ in 0..<Self.maxUnwrittenRetries where answer == nil {
            let connection = try await connections.connection()
            do {
                answer = try await connection.unary(frame, localTimeoutMs: timeoutMs)
            } catch is CallIDsExhausted {
                continue
            } catch {
                throw Self.rpcError(error)
            }
        }
        guard let answer else { throw Self.rpcError(CallIDsExhausted()) }
        if let status = answer.status, status.code != 0 { throw RPCError(status: status) }
        return try Self.decode(answer.payload)
    }

    /// Calls a server-streaming method; the messages arrive through the returned sequence, which ends
    /// with the call (or throws its `RPCError`). Dropping the sequence or cancelling its consumer
    /// cancels the call.
    public func serverStreaming<Request: WireMessage, Response: WireMessage>(
        _ method: MethodDescriptor<Request, Response>, _ request: Request,
        metadata: [String: String] = [:], timeoutMs: UInt32? = nil
    ) async throws(RPCError) -> RPCResponseStream<Response> {
        precondition(method.kind == .serverStreaming, "\(method.path) is \(method.kind), called as streaming")
        let payload = try Self.encode(request)
        let connection = try await connections.connection()
        let frame = Frame(
            callID: 0, type: .request, method: method.path,  // the connection numbers it as it writes it
            metadata: merged(metadata), timeoutMs: timeoutMs ?? 0, payload: payload)
        return RPCResponseStream(bytes: connection.serverStreaming(frame, localTimeoutMs: timeoutMs))
    }

    /// One PING/PONG round trip on the shared connection.
    public func ping() async throws(RPCError) -> Duration {
        let connection = try await connections.connection()
        do {
            return try await connection.ping()
        } catch {
            throw Self.rpcError(error)
        }
    }

    /// Closes the connection; later calls fail with UNAVAILABLE.
    public func close() async {
        await connections.shutDown()
    }

    private func merged(_ metadata: [String: String]) -> [String: String] {
        guard !configuration.defaultMetadata.isEmpty else { return metadata }
        return configuration.defaultMetadata.merging(metadata) { _, perCall in perCall }
    }

    static func encode<Request: WireMessage>(_ request: Request) throws(RPCError) -> [UInt8] {
        do {
            return try request.wireEncoded()
        } catch {
            var details: [String: String] = [:]
            if let field = error.field { details["field"] = field }
            throw RPCError(
                .invalidArgument, "the request cannot be encoded: \(error)", reason: .invalidRequest, details: details)
        }
    }

    static func decode<Response: WireMessage>(_ payload: [UInt8]) throws(RPCError) -> Response {
        do {
            return try Response(wireBytes: payload)
        } catch {
            throw RPCError(
                .internal, "the server's response is not a valid \(Response.wireSchema.protoName): \(error)",
                reason: .malformedResponse)
        }
    }

    /// How often a call that no connection wrote is tried again (each on a fresh connection).
    static let maxUnwrittenRetries = 3

    public static func rpcError(_ error: any Error) -> RPCError {
        switch error {
        case let error as RPCError: return error
        case is CallIDsExhausted:
            return RPCError(.unavailable, "the connection had used up its call ids; retry", reason: .goaway)
        case is CancellationError: return RPCError(.cancelled, "the call was cancelled", reason: .cancelled)
        default: return RPCError(.unknown, "\(error)", reason: .unknown)
        }
    }
}

/// The typed messages of a server-streaming call.
public struct RPCResponseStream<Response: WireMessage>: AsyncSequence, Sendable {
    public typealias Element = Response
    let bytes: AsyncThrowingStream<[UInt8], any Error>

    public struct AsyncIterator: AsyncIteratorProtocol {
        var inner: AsyncThrowingStream<[UInt8], any Error>.AsyncIterator

        public mutating func next() async throws(RPCError) -> Response? {
            let payload: [UInt8]?
            do {
                payload = try await inner.next()
            } catch {
                throw CareerAIClient.rpcError(error)
            }
            guard let payload else {
                // AsyncThrowingStream ends quietly when its consumer is cancelled; say so, as a unary call would.
                if Task.isCancelled { throw RPCError(.cancelled, "the call was cancelled", reason: .cancelled) }
                return nil
            }
            return try CareerAIClient.decode(payload)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(inner: bytes.makeAsyncIterator()) }
}
