import ArgumentParser
import Client
import Contract
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

    /// `careerai --server X university show` → `careerai university show --server X`: ArgumentParser
    /// reads a subcommand's options only after its name, and people put global options first.
    static func movingLeadingOptions(_ arguments: [String]) -> [String] {
        let withValue: Set<String> = ["--server", "--tenant", "--timeout-ms"]
        let flags: Set<String> = ["--json"]
        var moved: [String] = []
        var rest = arguments[...]
        while let first = rest.first {
            let name = String(first.split(separator: "=", maxSplits: 1)[0])
            if flags.contains(first) || (withValue.contains(name) && first.contains("=")) {
                moved.append(first)
                rest = rest.dropFirst()
            } else if withValue.contains(first), rest.count >= 2 {
                moved.append(contentsOf: rest.prefix(2))
                rest = rest.dropFirst(2)
            } else {
                break
            }
        }
        guard !moved.isEmpty else { return arguments }
        let path = rest.prefix { !$0.hasPrefix("-") }
        return Array(path) + moved + Array(rest.dropFirst(path.count))
    }

    var environmentTenant: String? {
        guard let tenant = ProcessInfo.processInfo.environment["CAREERAI_TENANT"], !tenant.isEmpty else { return nil }
        return tenant
    }

    var target: String {
        server ?? ProcessInfo.processInfo.environment["CAREERAI_SERVER"] ?? "127.0.0.1:7420"
    }

    var resolvedTenant: String? {
        guard let tenant = tenant ?? environmentTenant, !tenant.isEmpty else { return nil }
        return tenant
    }

    /// The tenant, or a usage error naming how to give one.
    func requireTenant() throws -> String {
        guard let tenant = resolvedTenant else {
            throw ValidationError("name your university with --tenant SUBDOMAIN (or $CAREERAI_TENANT)")
        }
        return tenant
    }

    /// A client for the server and tenant; signed in with the stored session for them unless
    /// `signedIn` is false.
    func makeClient(signedIn: Bool = true) throws -> CareerAIClient {
        guard var configuration = try? ClientConfiguration(target: target) else {
            throw CLIError("'\(target)' is not host:port (e.g. 127.0.0.1:7420)")
        }
        if let tenant = resolvedTenant {
            configuration.defaultMetadata[MetadataKey.tenant] = tenant
            if signedIn, let entry = CredentialStore.default().entry(server: target, tenant: tenant) {
                configuration = configuration.signedIn(token: entry.token)
            }
        }
        configuration.defaultUnaryTimeoutMs = timeoutMs
        return CareerAIClient(configuration: configuration)
    }
}
