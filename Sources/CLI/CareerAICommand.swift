import ArgumentParser
import Foundation

struct CareerAICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "careerai",
        abstract: "The CareerAI command line: talks to careerai-server over its RPC protocol.",
        discussion: "Global options (--server, --tenant, --json, --timeout-ms) go before or after the subcommand.",
        subcommands: [
            HealthCommand.self, UniversityCommand.self, LoginCommand.self, LogoutCommand.self, MeCommand.self,
            WalletCommand.self, TransactionsCommand.self, RunCommand.self, RunsCommand.self, InternshipsCommand.self,
            ReferralCommand.self, AdminCommand.self,
        ]
    )
}

@main
enum CLIMain {
    static func main() async {
        // A peer or a pipe that goes away mid-write must be an error to handle, not a signal that
        // kills the process (NIO ignores SIGPIPE on its own sockets, not on stdout or libcurl's).
        signal(SIGPIPE, SIG_IGN)
        await CareerAICommand.main(GlobalOptions.movingLeadingOptions(Array(CommandLine.arguments.dropFirst())))
    }
}
