import Contract
import Wire

/// Typed calls of `careerai.v1.UniversityService`.
public struct UniversityClient: Sendable {
    let client: CareerAIClient

    /// The university at a subdomain (public).
    public func resolve(subdomain: String, timeoutMs: UInt32? = nil) async throws(RPCError) -> UniversityMessage {
        try await client.unary(
            Methods.UniversityService.resolveUniversity,
            ResolveUniversityRequest(subdomain: subdomain), timeoutMs: timeoutMs)
    }

    /// The university this client's `x-tenant` names.
    public func current(timeoutMs: UInt32? = nil) async throws(RPCError) -> UniversityMessage {
        try await client.unary(
            Methods.UniversityService.getCurrentUniversity, GetCurrentUniversityRequest(), timeoutMs: timeoutMs)
    }

    /// Platform admins only.
    public func create(_ request: CreateUniversityRequest, timeoutMs: UInt32? = nil) async throws(RPCError)
        -> UniversityMessage
    {
        try await client.unary(Methods.UniversityService.createUniversity, request, timeoutMs: timeoutMs)
    }

    /// Platform admins only.
    public func update(_ request: UpdateUniversityRequest, timeoutMs: UInt32? = nil) async throws(RPCError)
        -> UniversityMessage
    {
        try await client.unary(Methods.UniversityService.updateUniversity, request, timeoutMs: timeoutMs)
    }
}

extension CareerAIClient {
    public var universities: UniversityClient { UniversityClient(client: self) }
}
