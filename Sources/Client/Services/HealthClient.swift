import Contract
import Wire

/// Typed calls of `careerai.v1.HealthService`.
public struct HealthClient: Sendable {
    let client: CareerAIClient

    public func check(timeoutMs: UInt32? = nil) async throws(RPCError) -> HealthCheckResponse {
        try await client.unary(Methods.HealthService.check, HealthCheckRequest(), timeoutMs: timeoutMs)
    }

    /// The current status, then one message per change.
    public func watch() async throws(RPCError) -> RPCResponseStream<HealthCheckResponse> {
        try await client.serverStreaming(Methods.HealthService.watch, HealthCheckRequest())
    }
}
