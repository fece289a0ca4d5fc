import Domain
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
    /// Who may call it; enforced by the router before the request is even decoded.
    public let access: AccessLevel
    /// Unary: returns the encoded response. Streaming: sends through the sink and returns `[]`.
    let invoke: @Sendable (_ payload: [UInt8], _ context: RPCContext, _ sink: RPCStreamSink) async throws -> [UInt8]
}

/// Maps `/careerai.v1.<Service>/<Method>` to typed handlers. Every method declares its access level;
/// the router resolves the caller's session once (through `authenticator`) and checks the level
/// before the handler runs, so no handler can forget to.
public struct RPCRouter: Sendable {
    public private(set) var methods: [String: RPCMethod] = [:]
    private let authenticator: any SessionAuthenticator

    public init(authenticator: any SessionAuthenticator = NoSessions()) {
        self.authenticator = authenticator
    }

    public mutating func register(_ service: some RPCService) {
        service.registerMethods(with: &self)
    }

    public func method(_ path: String) -> RPCMethod? { methods[path] }

    public mutating func unary<Request: WireMessage, Response: WireMessage>(
        _ path: String,
        access: AccessLevel,
        _ handler: @escaping @Sendable (Request, RPCContext) async throws -> Response
    ) {
        add(path, .unary, access) { payload, context, _ in
            let request: Request = try Self.decodeRequest(payload)
            let response = try await handler(request, context)
            return try Self.encodeResponse(response)
        }
    }

    public mutating func serverStreaming<Request: WireMessage, Response: WireMessage>(
        _ path: String,
        access: AccessLevel,
        _ handler: @escaping @Sendable (Request, RPCContext, RPCResponseWriter<Response>) async throws -> Void
    ) {
        add(path, .serverStreaming, access) { payload, context, sink in
            let request: Request = try Self.decodeRequest(payload)
            try await handler(request, context, RPCResponseWriter(sink: sink))
            return []
        }
    }

    private mutating func add(
        _ path: String, _ kind: RPCMethod.Kind, _ access: AccessLevel,
        _ invoke: @escaping @Sendable (_ payload: [UInt8], _ context: RPCContext, _ sink: RPCStreamSink) async throws -> [UInt8]
    ) {
        precondition(methods[path] == nil, "\(path) is registered twice")
        precondition(path.hasPrefix("/careerai.v1."), "\(path) is not /careerai.v1.<Service>/<Method>")
        let authenticator = self.authenticator
        methods[path] = RPCMethod(path: path, kind: kind, access: access) { payload, context, sink in
            guard access != .public else { return try await invoke(payload, context, sink) }
            var context = context
            context.principal = try await authenticator.authenticate(
                authorization: context.metadata[MetadataKey.authorization], tenant: context.metadata[MetadataKey.tenant])
            try access.check(context.principal)
            return try await invoke(payload, context, sink)
        }
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
