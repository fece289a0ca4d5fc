import RPCCore
import Wire

/// A set of methods that a service adds to a router.
public protocol RPCService: Sendable {
    func registerMethods(with router: inout RPCRouter)
}

/// One callable method, its request and response types erased to bytes.
public struct RPCMethod: Sendable {
    public let descriptor: AnyMethodDescriptor
    public var path: String { descriptor.path }
    public var kind: MethodKind { descriptor.kind }
    /// Unary: returns the encoded response. Streaming: sends through the sink and returns `[]`.
    let invoke: @Sendable (_ payload: [UInt8], _ context: RPCContext, _ sink: RPCStreamSink) async throws -> [UInt8]
}

/// Maps `/<package>.<Service>/<Method>` to typed handlers, each registered under the method's
/// descriptor (so its path, message types and kind are the ones the client uses). Every call passes
/// through the interceptors that apply to it, first to last, before its request is decoded; they see
/// the descriptor, and with it the method's declared access level.
public struct RPCRouter: Sendable {
    /// Turns an error the transport does not know (the API's own type) into the status the client
    /// sees; nil for errors it does not know either (they become INTERNAL). Consulted only when a call
    /// fails, so a call that succeeds pays nothing for it.
    public typealias ErrorMapper = @Sendable (any Error) -> RPCError?

    public private(set) var methods: [String: RPCMethod] = [:]
    private let interceptors: [any RPCServerInterceptor]
    let errorMapper: ErrorMapper

    public init(interceptors: [any RPCServerInterceptor] = [], errorMapper: @escaping ErrorMapper = { _ in nil }) {
        self.interceptors = interceptors
        self.errorMapper = errorMapper
    }

    public mutating func register(_ service: some RPCService) {
        service.registerMethods(with: &self)
    }

    public func method(_ path: String) -> RPCMethod? { methods[path] }

    public mutating func unary<Request: WireMessage, Response: WireMessage>(
        _ descriptor: MethodDescriptor<Request, Response>,
        _ handler: @escaping @Sendable (Request, RPCContext) async throws -> Response
    ) {
        precondition(descriptor.kind == .unary, "\(descriptor.path) is \(descriptor.kind), registered as unary")
        add(AnyMethodDescriptor(descriptor)) { payload, context, _ in
            let request: Request = try Self.decodeRequest(payload)
            let response = try await handler(request, context)
            return try Self.encodeResponse(response)
        }
    }

    public mutating func serverStreaming<Request: WireMessage, Response: WireMessage>(
        _ descriptor: MethodDescriptor<Request, Response>,
        _ handler: @escaping @Sendable (Request, RPCContext, RPCResponseWriter<Response>) async throws -> Void
    ) {
        precondition(
            descriptor.kind == .serverStreaming, "\(descriptor.path) is \(descriptor.kind), registered as streaming")
        add(AnyMethodDescriptor(descriptor)) { payload, context, sink in
            let request: Request = try Self.decodeRequest(payload)
            try await handler(request, context, RPCResponseWriter(sink: sink))
            return []
        }
    }

    private mutating func add(
        _ descriptor: AnyMethodDescriptor,
        _ invoke:
            @escaping @Sendable (_ payload: [UInt8], _ context: RPCContext, _ sink: RPCStreamSink) async throws ->
            [UInt8]
    ) {
        precondition(methods[descriptor.path] == nil, "\(descriptor.path) is registered twice")
        // Wrap innermost first, so that interceptors[0] is the outermost and runs first.
        var chain:
            @Sendable (_ payload: [UInt8], _ context: RPCContext, _ sink: RPCStreamSink) async throws -> [UInt8] =
                invoke
        for interceptor in interceptors.reversed() where interceptor.applies(to: descriptor) {
            let next = chain
            chain = { payload, context, sink in
                try await interceptor.intercept(context, method: descriptor) { context in
                    try await next(payload, context, sink)
                }
            }
        }
        methods[descriptor.path] = RPCMethod(descriptor: descriptor, invoke: chain)
    }

    static func decodeRequest<Request: WireMessage>(_ payload: [UInt8]) throws(RPCError) -> Request {
        do {
            return try Request(wireBytes: payload)
        } catch {
            var details: [String: String] = [:]
            if let field = error.field { details["field"] = field }
            throw RPCError(
                .invalidArgument, "the payload is not a valid \(Request.wireSchema.protoName): \(error)",
                reason: .malformedRequest, details: details)
        }
    }

    static func encodeResponse<Response: WireMessage>(_ response: Response) throws(RPCError) -> [UInt8] {
        do {
            return try response.wireEncoded()
        } catch {
            throw RPCError(
                .internal, "the server could not encode its response: \(error)", reason: .responseEncodingFailed)
        }
    }
}
