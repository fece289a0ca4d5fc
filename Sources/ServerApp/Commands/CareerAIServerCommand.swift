import ArgumentParser

/// `careerai-server`: the CareerAI RPC server and its operator commands.
public struct CareerAIServerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "careerai-server",
        abstract: "The CareerAI server: RPC on TCP (docs/PROTOCOL.md), configured from the environment.",
        discussion: """
            Configuration comes from environment variables (README.md, "Configuration"), e.g.
              CAREERAI_RPC_ADDR=127.0.0.1:7420  CAREERAI_DATABASE_URL=sqlite:./careerai.db  CAREERAI_LOG_LEVEL=info
            Every variable is validated at start; a bad value stops the server with one line naming it.
            """,
        subcommands: [
            ServeCommand.self, WorkerCommand.self, MigrateCommand.self, UniversityCommand.self, UserCommand.self,
            AuditCommand.self,
        ],
        defaultSubcommand: ServeCommand.self
    )

    public init() {}
}
