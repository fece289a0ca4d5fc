import Contract
import Domain
import RPCCore
import RPCServer
import Wire

/// `careerai.v1.HealthService`: liveness and readiness, like gRPC's health service.
public struct HealthRPCService: RPCService {
    static let maxServiceNameBytes = 256

    let status: HealthStatus

    public init(status: HealthStatus) {
        self.status = status
    }

    public func registerMethods(with router: inout RPCRouter) {
        router.unary(Methods.HealthService.check) { (request: HealthCheckRequest, _) in
            try validate(request)
            return response(status.current)
        }
        router.serverStreaming(Methods.HealthService.watch) {
            (request: HealthCheckRequest, _, writer: RPCResponseWriter<HealthCheckResponse>) in
            try validate(request)
            for await serving in status.updates() {
                try Task.checkCancellation()
                try await writer.send(response(serving))
            }
        }
    }

    private func validate(_ request: HealthCheckRequest) throws(RPCError) {
        guard request.service.utf8.count <= Self.maxServiceNameBytes else {
            throw RPCError.invalidField("service", "service name longer than \(Self.maxServiceNameBytes) bytes")
        }
        // Only the whole server is checked today; per-service health can come later.
        guard request.service.isEmpty else {
            throw RPCError(
                .notFound, "no health status for service '\(request.service)'; send an empty service for the server",
                reason: .unknownService)
        }
    }

    private func response(_ serving: HealthStatus.Serving) -> HealthCheckResponse {
        let uptimeMs = UInt64(max(0, (ContinuousClock.now - status.startedAt) / .milliseconds(1)))
        return HealthCheckResponse(status: serving.rawValue, version: ProductInfo.version, uptimeMs: uptimeMs)
    }
}
