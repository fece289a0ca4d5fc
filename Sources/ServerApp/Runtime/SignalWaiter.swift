import Dispatch
import Foundation

/// Suspends until the process receives one of `signals` (SIGTERM from an orchestrator, SIGINT from ^C).
public enum SignalWaiter {
    public static func wait(for signals: [Int32] = [SIGTERM, SIGINT]) async -> Int32 {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            let once = OnceResumer(continuation)
            for number in signals {
                signal(number, SIG_IGN)  // the dispatch source takes over from the default handler
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { once.resume(number) }
                source.resume()
                OnceResumer.keepAlive(source)
            }
        }
    }
}

private final class OnceResumer: @unchecked Sendable {
    // @unchecked: `continuation` is only touched under `lock`.
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Int32, Never>?
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []
    private static let sourcesLock = NSLock()

    init(_ continuation: CheckedContinuation<Int32, Never>) { self.continuation = continuation }

    func resume(_ signal: Int32) {
        lock.lock()
        let pending = continuation
        continuation = nil
        lock.unlock()
        pending?.resume(returning: signal)
    }

    static func keepAlive(_ source: any DispatchSourceSignal) {
        sourcesLock.lock()
        sources.append(source)
        sourcesLock.unlock()
    }
}
