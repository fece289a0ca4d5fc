import API
import Contract
import RPCCore
import RPCServer
import Synchronization
import Wire

/// Methods for protocol tests: one that answers at once, one that hangs until cancelled.
/// (`HealthCheckRequest.service` carries the test's argument, to avoid a test-only proto.)
public struct TestService: RPCService {
    public typealias Method = MethodDescriptor<HealthCheckRequest, HealthCheckResponse>
    public static let echo = Method(service: "careerai.v1.TestService", method: "Echo", kind: .unary, access: .public)
    public static let hang = Method(service: "careerai.v1.TestService", method: "Hang", kind: .unary, access: .public)
    public static let sleep = Method(service: "careerai.v1.TestService", method: "Sleep", kind: .unary, access: .public)

    let probe: Probe

    public init(probe: Probe) { self.probe = probe }

    public func registerMethods(with router: inout RPCRouter) {
        router.unary(Self.echo) { (request: HealthCheckRequest, context) in
            HealthCheckResponse(status: request.service, version: context.requestID, uptimeMs: UInt64(context.callID))
        }
        router.unary(Self.hang) { [probe] (_: HealthCheckRequest, _) -> HealthCheckResponse in
            probe.started()
            do {
                try await Task.sleep(for: .seconds(3600))
            } catch {
                probe.cancelled()
                throw error
            }
            return HealthCheckResponse()
        }
        router.unary(Self.sleep) { [probe] (request: HealthCheckRequest, _) in
            probe.started()
            try await Task.sleep(for: .milliseconds(Int(request.service) ?? 0))
            return HealthCheckResponse(status: "slept", version: "", uptimeMs: 0)
        }
    }
}

/// Counts what handlers saw, across threads.
public final class Probe: Sendable {
    public init() {}
    private let counts = Mutex((started: 0, cancelled: 0))
    public func started() { counts.withLock { $0.started += 1 } }
    public func cancelled() { counts.withLock { $0.cancelled += 1 } }
    public var startedCount: Int { counts.withLock { $0.started } }
    public var cancelledCount: Int { counts.withLock { $0.cancelled } }
}

public func makeTestRouter(probe: Probe, health: HealthStatus = HealthStatus()) -> RPCRouter {
    var router = APIRouter.make()
    router.register(HealthRPCService(status: health))
    router.register(TestService(probe: probe))
    return router
}

/// Polls `condition` until it holds, for at most `timeoutMs`: 30 s by default, a hang guard that
/// returns as soon as the condition holds (5 s was not enough for a call to start on a CI machine
/// loaded by the whole suite: PDF renders, floods, process tests).
public func eventually(timeoutMs: Int = 30_000, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}
