import Foundation
import Logging
import Storage

/// What the operator commands share: configuration from the environment and one-line failures.
enum AdminSupport {
    static func configuration() -> ServerConfiguration {
        do {
            return try ServerConfiguration.load(from: ProcessInfo.processInfo.environment)
        } catch {
            ServeCommand.fail("configuration: \(error)")
        }
    }

    /// The configured database, migrated (operator commands always run on the current schema).
    static func database(_ configuration: ServerConfiguration) async -> any SQLDatabase {
        ServerLogging.bootstrap(level: .warning)
        do {
            return try await ServerRuntime.openDatabase(
                configuration, logger: Logger(label: "careerai.admin"), migrate: true)
        } catch {
            ServeCommand.fail("\(error)")
        }
    }

    /// Prints `error` as one line and exits 1; domain errors keep their reason and field.
    static func fail(_ error: any Error) -> Never {
        ServeCommand.fail("\(error)")
    }

    static func fail(_ message: String) -> Never {
        ServeCommand.fail(message)
    }
}
