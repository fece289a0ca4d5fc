import ArgumentParser
import Foundation
import Logging
import NIOCore
import ServiceLifecycle

/// Runs the RPC server until SIGTERM or SIGINT, then drains gracefully.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve RPC until SIGTERM/SIGINT, then drain calls in flight (the default command)."
    )

    @Option(name: .long, help: "Write the bound address (host:port) to this file once listening; useful with port 0.")
    var addressFile: String?

    func run() async throws {
        let configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.load(from: ProcessInfo.processInfo.environment)
        } catch {
            Self.fail("configuration: \(error)")
        }
        ServerLogging.bootstrap(level: configuration.logLevel)
        // Before any metric is made: handles made earlier would stay no-ops.
        if configuration.metricsAddress != nil { _ = MetricsBackend.bootstrap() }
        let logger = Logger(label: "careerai.server")
        let runtime: ServerRuntime
        do {
            runtime = try await ServerRuntime.make(configuration: configuration, logger: logger)
        } catch {
            Self.fail("\(error)")
        }
        // One group runs the whole process; SIGTERM/SIGINT shut it down gracefully (the RPC server
        // drains first, the database closes last), bounded by the drain timeout plus the runs' own.
        let addressFile = self.addressFile
        let services = runtime.services { address in
            let boundAddress = "\(address.ipAddress ?? configuration.rpcHost):\(address.port ?? configuration.rpcPort)"
            logger.info(
                "careerai-server started",
                metadata: [
                    "environment": "\(configuration.environment.rawValue)", "address": "\(boundAddress)",
                    "mock": "\(configuration.mock)", "pid": "\(getpid())",
                ])
            if let addressFile {
                do {
                    try (boundAddress + "\n").write(toFile: addressFile, atomically: true, encoding: .utf8)
                } catch {
                    Self.fail("cannot write --address-file \(addressFile): \(error.localizedDescription)")
                }
            }
        }
        let group = ServiceGroup(
            services: [LogFlushService()] + services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        do {
            try await group.run()
        } catch {
            Self.fail("cannot listen on \(configuration.rpcHost):\(configuration.rpcPort) (\(Self.describe(error)))")
        }
        logger.info("careerai-server stopped")
        ServerLogging.flush()
    }

    static func fail(_ message: String) -> Never {
        ServerLogging.flush()
        FileHandle.standardError.write(Data("careerai-server: \(message)\n".utf8))
        Foundation.exit(1)
    }

    static func describe(_ error: any Error) -> String {
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
        return "\(error)"
    }
}
