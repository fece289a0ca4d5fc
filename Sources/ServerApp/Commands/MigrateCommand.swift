import ArgumentParser
import Logging
import Storage

/// `careerai-server migrate`: applies pending migrations and exits.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract:
            "Apply pending database migrations to CAREERAI_DATABASE_URL and exit (safe to run from several hosts at once)."
    )

    func run() async throws {
        let configuration = AdminSupport.configuration()
        ServerLogging.bootstrap(level: .warning)
        let database: any SQLDatabase
        do {
            database = try await ServerRuntime.openDatabase(
                configuration, logger: Logger(label: "careerai.migrate"), migrate: false)
            let applied = try await Migrator(database: database).migrate()
            let current = try await Migrator(database: database).appliedVersions().last ?? 0
            print(
                applied.isEmpty
                    ? "schema is up to date (version \(current))"
                    : "applied \(applied.map { "v\($0)" }.joined(separator: ", ")); schema version \(current)")
            await database.close()
        } catch {
            AdminSupport.fail(error)
        }
    }
}
