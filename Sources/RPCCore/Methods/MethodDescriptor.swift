import Wire

/// Unary (one request, one response) or server streaming (one request, a stream of responses).
public enum MethodKind: String, Sendable, Hashable, CustomStringConvertible {
    case unary
    case serverStreaming

    public var description: String { rawValue }
}

/// Who may call a method, as `Proto/` declares it (`// access: LEVEL` above each rpc). The transport
/// only carries it to the interceptors; what a level means is the API's business.
public enum MethodAccess: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Anyone; the bearer token is not looked at.
    case `public`
    /// Any valid session of the call's tenant.
    case signedIn
    /// A signed-in user whose email is verified.
    case verified
    /// An admin of the caller's university, or a platform admin.
    case universityAdmin
    /// A platform admin.
    case platformAdmin

    public var description: String { rawValue }
}

/// One method of the API, declared once (generated from `Proto/` into the Contract module) and used by
/// both sides: the server routes by it, the client calls by it, so the path, the message types and the
/// kind can never disagree between the two.
public struct MethodDescriptor<Request: WireMessage, Response: WireMessage>: Sendable, Hashable {
    /// `careerai.v1.RunService`.
    public let service: String
    /// `StartJobPack`.
    public let method: String
    public let kind: MethodKind
    public let access: MethodAccess

    public init(service: String, method: String, kind: MethodKind, access: MethodAccess) {
        self.service = service
        self.method = method
        self.kind = kind
        self.access = access
    }

    /// `/careerai.v1.RunService/StartJobPack`: what a REQUEST frame's `method` holds.
    public var path: String { "/\(service)/\(method)" }
}

/// A method descriptor with its message types erased, for registries, routers and tests.
public struct AnyMethodDescriptor: Sendable, Hashable, CustomStringConvertible {
    public let path: String
    public let kind: MethodKind
    public let access: MethodAccess
    /// Full proto names, e.g. `careerai.v1.StartJobPackRequest`.
    public let requestProtoName: String
    public let responseProtoName: String

    public init<Request, Response>(_ descriptor: MethodDescriptor<Request, Response>) {
        path = descriptor.path
        kind = descriptor.kind
        access = descriptor.access
        requestProtoName = Request.wireSchema.protoName
        responseProtoName = Response.wireSchema.protoName
    }

    public var description: String { "\(path) (\(kind), \(access))" }
}
