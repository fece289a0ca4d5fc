import ArgumentParser
import Dispatch
import Foundation
import NIOCore
import NIOPosix

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "careerai-bench",
        abstract: "CareerAI benchmarks; each prints one JSON line per case. Build with -c release.",
        subcommands: [RPCBench.self, RESTBench.self, DBBench.self, RunsBench.self, PDFBench.self, FaultsBench.self]
    )
}

@main
enum BenchMain {
    static func main() {
        // A peer or a pipe that goes away mid-write must be an error to handle, not a signal that
        // kills the process (NIO ignores SIGPIPE on its own sockets, not on stdout or libcurl's).
        signal(SIGPIPE, SIG_IGN)
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
