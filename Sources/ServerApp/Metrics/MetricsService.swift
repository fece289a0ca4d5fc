import Domain
import Logging
import NIOCore
import RPCCore
import ServiceLifecycle

/// The metrics endpoint and the sampler as one service: listens on CAREERAI_METRICS_ADDR, samples
/// the database's gauges every `interval` until graceful shutdown, then closes the port.
struct MetricsService: Service {
    let address: HostPort
    let sampler: MetricsSampler
    let interval: Duration
    let logger: Logger
    var onListening: @Sendable (SocketAddress) -> Void = { _ in }

    /// The service when CAREERAI_METRICS_ADDR is set, else nil; `extra` records the process's own gauges.
    static func make(
        _ configuration: ServerConfiguration, store: any RunStore, logger: Logger,
        extra: @escaping @Sendable () -> Void = {}
    ) -> MetricsService? {
        configuration.metricsAddress.map { address in
            MetricsService(
                address: address,
                sampler: MetricsSampler(store: store, clock: SystemWallClock(), extra: extra, logger: logger),
                interval: configuration.metricsSampleInterval, logger: logger)
        }
    }

    func run() async throws {
        let endpoint = MetricsEndpoint(registry: MetricsBackend.bootstrap(), logger: logger)
        let bound: SocketAddress
        do {
            bound = try await endpoint.start(host: address.host, port: address.port)
        } catch {
            throw StartupError("cannot serve metrics on \(address.host):\(address.port): \(error)")
        }
        onListening(bound)
        let (sampler, interval) = (self.sampler, self.interval)
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await sampler.sampleOnce()
                try? await Task.sleep(for: interval)
            }
        }
        await endpoint.stop()
    }
}
