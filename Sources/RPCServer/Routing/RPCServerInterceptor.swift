import RPCCore

/// Code that wraps every call of a router, in one place: authentication and access checks, error
/// mapping, logging. It runs before the request is decoded, sees the method's descriptor (and so its
/// declared access level), may change the context it passes on (attach the caller), may refuse the
/// call by throwing, and sees whatever the rest of the chain throws.
///
/// Which methods an interceptor wraps is decided once, when a method is registered
/// (`applies(to:)`), so that a call pays nothing for an interceptor that would only pass it on.
public protocol RPCServerInterceptor: Sendable {
    /// Whether calls of `method` go through this interceptor; all of them unless it says otherwise.
    func applies(to method: AnyMethodDescriptor) -> Bool

    /// - Parameter next: the rest of the chain: later interceptors, then the handler. A streaming
    ///   method's messages go out while `next` runs; it returns `[]` for them.
    func intercept(
        _ context: RPCContext, method: AnyMethodDescriptor,
        next: @Sendable (RPCContext) async throws -> [UInt8]
    ) async throws -> [UInt8]
}

extension RPCServerInterceptor {
    public func applies(to method: AnyMethodDescriptor) -> Bool { true }
}
