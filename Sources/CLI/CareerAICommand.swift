import ArgumentParser

@main
struct CareerAICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "careerai",
        abstract: "The CareerAI command line: talks to careerai-server over its RPC protocol.",
        subcommands: [HealthCommand.self]
    )
}
