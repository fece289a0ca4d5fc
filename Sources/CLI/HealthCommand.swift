import ArgumentParser
import Client
import Contract

struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Check that the server answers, and show its status, version and uptime."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let client = try global.makeClient()
        do {
            let health = try await client.health.check()
            if global.json {
                Output.json(["status": health.status, "version": health.version, "uptime_ms": health.uptimeMs])
            } else {
                Output.line("\(health.status)  version \(health.version)  up \(formatUptime(ms: health.uptimeMs))")
            }
            await client.close()
        } catch {
            Output.fail(error, target: global.target)
        }
    }

    private func formatUptime(ms: UInt64) -> String {
        let seconds = ms / 1000
        if seconds < 120 { return "\(seconds) s" }
        if seconds < 7200 { return "\(seconds / 60) min" }
        return "\(seconds / 3600) h \(seconds % 3600 / 60) min"
    }
}
