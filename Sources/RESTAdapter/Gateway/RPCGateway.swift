import Client
import JSONTranscoding
import Synchronization
import Wire

/// careerai-server as the adapter reaches it: a few multiplexed connections of the client library,
/// taken in turn, and calls made from JSON and answered as JSON through the contract's descriptors.
final class RPCGateway: Sendable {
    private let clients: [CareerAIClient]
    private let next = Atomic<Int>(0)

    init(configuration: RESTConfiguration) {
        var clientConfiguration = ClientConfiguration(
            host: configuration.rpcTarget.host, port: configuration.rpcTarget.port)
        clientConfiguration.defaultUnaryTimeoutMs = configuration.defaultDeadlineMs
        clients = (0..<configuration.rpcConnections).map { _ in CareerAIClient(configuration: clientConfiguration) }
    }

    var client: CareerAIClient {
        let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
        return clients[index % clients.count]
    }

    /// Calls unary `method` with the request `json` and answers the response as JSON.
    func unary<Request: WireMessage, Response: WireMessage>(
        _ method: MethodDescriptor<Request, Response>, json: JSONValue, metadata: [String: String], timeoutMs: UInt32?
    ) async throws(RESTError) -> (message: Response, json: JSONValue) {
        let request = try Self.message(Request.self, from: json)
        let response: Response
        do {
            response = try await client.unary(method, request, metadata: metadata, timeoutMs: timeoutMs)
        } catch {
            throw RESTError(error)
        }
        return (response, try Self.json(response))
    }

    static func message<Message: WireMessage>(_ type: Message.Type, from json: JSONValue) throws(RESTError) -> Message {
        do {
            let bytes = try ProtoJSON.protobufBytes(from: json, descriptor: Message.wireSchema.descriptor)
            return try Message(wireBytes: bytes)
        } catch let error as ProtoJSONError {
            throw RESTError.malformed(
                "the body does not fit \(Message.wireSchema.protoName): \(error)", field: error.field)
        } catch {
            throw RESTError.malformed("the body does not fit \(Message.wireSchema.protoName): \(error)")
        }
    }

    static func json<Message: WireMessage>(_ message: Message) throws(RESTError) -> JSONValue {
        do {
            return try ProtoJSON.json(
                fromProtobuf: try message.wireEncoded(), descriptor: Message.wireSchema.descriptor)
        } catch {
            throw RESTError(
                RPCError(
                    .internal, "the server's answer could not be written as JSON: \(error)", reason: .malformedResponse)
            )
        }
    }

    func close() async {
        for client in clients { await client.close() }
    }
}
