import ArgumentParser

struct CareerAICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "careerai",
        abstract: "The CareerAI command line: talks to careerai-server over its RPC protocol.",
        discussion: "Global options (--server, --tenant, --json, --timeout-ms) go before or after the subcommand.",
        subcommands: [
            HealthCommand.self, UniversityCommand.self, LoginCommand.self, LogoutCommand.self, MeCommand.self,
            WalletCommand.self, TransactionsCommand.self, RunCommand.self, RunsCommand.self, AdminCommand.self,
        ]
    )
}

@main
enum CLIMain {
    static func main() async {
        await CareerAICommand.main(GlobalOptions.movingLeadingOptions(Array(CommandLine.arguments.dropFirst())))
    }
}
