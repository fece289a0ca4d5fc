import ArgumentParser
import Dispatch
import Foundation
import NIOCore
import NIOPosix

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "careerai-bench",
        abstract: "CareerAI benchmarks; each prints one JSON line per case. Build with -c release.",
        subcommands: [RPCBench.self, DBBench.self, RunsBench.self]
    )
}

@main
enum BenchMain {
    static func main() {
        // As in careerai-server: Swift tasks run on NIO's event loops, so a load-generating task and
        // its connection share threads.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        ChildProcesses.stopChildrenOnInterrupt()
        Task {
            await BenchCommand.main()
            exit(0)
        }
        dispatchMain()
    }
}
