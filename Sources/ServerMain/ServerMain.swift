import Dispatch
import Foundation
import NIOCore
import NIOPosix
import ServerApp

// The executable is only an entry point; everything lives in ServerApp so that tests can drive it.
@main
enum ServerMain {
    static func main() {
        MemoryTuning.apply()
        // A peer or a pipe that goes away mid-write must be an error to handle, not a signal that
        // kills the process (NIO ignores SIGPIPE on its own sockets, not on stdout or libcurl's).
        signal(SIGPIPE, SIG_IGN)
        // Run Swift concurrency on NIO's event loops: a handler's task and its connection's I/O then
        // share threads instead of hopping between two pools on every call. Must happen on the main
        // thread before any task starts.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        Task {
            await CareerAIServerCommand.main()
            exit(0)  // dispatchMain never returns by itself
        }
        dispatchMain()
    }
}
