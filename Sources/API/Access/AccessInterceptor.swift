import Domain
import RPCCore
import RPCServer

/// Enforces the access level every method declares in `Proto/` (carried by its descriptor), once, for
/// every call: resolves the caller's session from `authorization` and `x-tenant`, checks the level,
/// and attaches the caller to the context. Public methods are left alone (their token is never looked
/// at, so a stale token never breaks a sign-in page).
public struct AccessInterceptor: RPCServerInterceptor {
    private let authenticator: any SessionAuthenticator

    public init(authenticator: any SessionAuthenticator) {
        self.authenticator = authenticator
    }

    /// Public methods are not wrapped at all: their calls never look at a token.
    public func applies(to method: AnyMethodDescriptor) -> Bool { method.access != .public }

    public func intercept(
        _ context: RPCContext, method: AnyMethodDescriptor,
        next: @Sendable (RPCContext) async throws -> [UInt8]
    ) async throws -> [UInt8] {
        let level = AccessLevel(method.access)
        let principal = try await authenticator.authenticate(
            authorization: context.metadata[MetadataKey.authorization], tenant: context.metadata[MetadataKey.tenant])
        try level.check(principal)
        var context = context
        context.values[PrincipalKey.self] = principal
        if let principal { context.loggerMetadata["user_id"] = .string(principal.user.id) }
        return try await next(context)
    }
}

extension AccessLevel {
    /// The domain's rule for a level the contract declares.
    init(_ access: MethodAccess) {
        switch access {
        case .public: self = .public
        case .signedIn: self = .signedIn
        case .verified: self = .verified
        case .universityAdmin: self = .universityAdmin
        case .platformAdmin: self = .platformAdmin
        }
    }
}

/// The signed-in caller of a call, attached by `AccessInterceptor`.
enum PrincipalKey: RPCContextKey {
    typealias Value = Principal
}

extension RPCContext {
    /// The signed-in caller; set for every method that is not public.
    public var principal: Principal? { values[PrincipalKey.self] }

    /// The principal of a method that is not public (the interceptor has set it); a bug otherwise.
    public func requirePrincipal() throws -> Principal {
        guard let principal else {
            throw DomainError(
                .internal, reason: .accessNotDeclared, "\(method) reads the caller but is declared public")
        }
        return principal
    }
}
