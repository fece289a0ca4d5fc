import RPCCore
import Wire

/// A set of methods that a service adds to a router.
public protocol RPCService: Sendable {
    func registerMethods(with router: inout RPCRouter)
}

/// One callable method, its request and response types erased to bytes.
public struct RPCMethod: Sendable {
    public enum Kind: Sendable { case unary, serverStreaming }

    public let path: String
    public let kind: Kind
    /// Unary: returns the encoded response. Streaming: sends through the sink and returns `[]`.
    let invoke: @Sendable (_ payload: [UInt8], _ context: RPCContext, _ sink: RPCStreamSink) async throws -> [UInt8]
}

/// Maps `/careerai.v1.<Service>/<Method>` to typed handlers.
public struct RPCRouter: Sendable {
    public private(set) var methods: [String: RPCMethod] = [:]

    public init() {}

    public mutating func register(_ service: some RPCService) {
        service.registerMethods(with: &self)
    }

    public func method(_ path: String) -> RPCMethod? { methods[path] }

    public mutating func unary<Request: WireMessage, Response: WireMessage>(
        _ path: String,
        _ handler: @escaping @Sendable (Request, RPCContext) async throws -> Response
    ) {
        add(RPCMethod(path: path, kind: .unary) { payload, context, _ in
            let request: Request = try Self.decodeRequest(payload)
            let response = try await handler(request, context)
            return try Self.encodeResponse(response)
        })
    }

    public mutating func serverStreaming<Request: WireMessage, Response: WireMessage>(
        _ path: String,
        _ handler: @escaping @Sendable (Request, RPCContext, RPCResponseWriter<Response>) async throws -> Void
    ) {
        add(RPCMethod(path: path, kind: .serverStreaming) { payload, context, sink in
            let request: Request = try Self.decodeRequest(payload)
            try await handler(request, context, RPCResponseWriter(sink: sink))
            return []
        })
    }

    private mutating func add(_ method: RPCMethod) {
        precondition(methods[method.path] == nil, "\(method.path) is registered twice")
        precondition(method.path.hasPrefix("/careerai.v1."), "\(method.path) is not /careerai.v1.<Service>/<Method>")
        methods[method.path] = method
    }

    static func decodeRequest<Request: WireMessage>(_ payload: [UInt8]) throws(RPCError) -> Request {
        do {
            return try Request(wireBytes: payload)
        } catch {
            var details: [String: String] = [:]
            if let field = error.field { details["field"] = field }
            throw RPCError(.invalidArgument, "the payload is not a valid \(Request.wireSchema.protoName): \(error)",
                           reason: "MALFORMED_REQUEST", details: details)
        }
    }

    static func encodeResponse<Response: WireMessage>(_ response: Response) throws(RPCError) -> [UInt8] {
        do {
            return try response.wireEncoded()
        } catch {
            throw RPCError(.internal, "the server could not encode its response: \(error)", reason: "RESPONSE_ENCODING_FAILED")
        }
    }
}
