import ArgumentParser
import Client
import Foundation

/// Options every `careerai` subcommand takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The server, host:port (default: $CAREERAI_SERVER or 127.0.0.1:7420).")
    var server: String?

    @Option(name: .long, help: "Your university's subdomain, e.g. iitb (default: $CAREERAI_TENANT).")
    var tenant: String?

    @Flag(name: .long, help: "Print machine-readable JSON instead of text.")
    var json = false

    @Option(name: .long, help: "Give up on a call after this many milliseconds.")
    var timeoutMs: UInt32 = 10_000

    var target: String {
        server ?? ProcessInfo.processInfo.environment["CAREERAI_SERVER"] ?? "127.0.0.1:7420"
    }

    func makeClient() throws -> CareerAIClient {
        guard var configuration = try? ClientConfiguration(target: target) else {
            throw CLIError("'\(target)' is not host:port (e.g. 127.0.0.1:7420)")
        }
        if let tenant = tenant ?? ProcessInfo.processInfo.environment["CAREERAI_TENANT"], !tenant.isEmpty {
            configuration.defaultMetadata["x-tenant"] = tenant
        }
        configuration.defaultUnaryTimeoutMs = timeoutMs
        return CareerAIClient(configuration: configuration)
    }
}
