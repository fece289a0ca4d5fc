import Synchronization
import Wire

/// Where the frames of one call go.
enum ClientCallSink: Sendable {
    case unary(CheckedContinuation<Frame, any Error>)
    case stream(AsyncThrowingStream<[UInt8], any Error>.Continuation)

    func fail(_ error: any Error) {
        switch self {
        case .unary(let continuation): continuation.resume(throwing: error)
        case .stream(let continuation): continuation.finish(throwing: error)
        }
    }
}

/// Set when the calling task is cancelled, possibly before the call reached the event loop: the
/// loop checks it when it starts the call, so a cancellation is never lost in that race.
final class ClientCallCancellation: Sendable {
    private let flag = Mutex(false)
    func markCancelled() { flag.withLock { $0 = true } }
    var isCancelled: Bool { flag.withLock { $0 } }
}
