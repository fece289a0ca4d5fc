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
    private let state = Mutex((cancelled: false, callID: UInt32(0)))
    func markCancelled() { state.withLock { $0.cancelled = true } }
    var isCancelled: Bool { state.withLock { $0.cancelled } }
    /// The id the connection gave the call when it wrote its REQUEST (0 before that), for CANCEL.
    var callID: UInt32 {
        get { state.withLock { $0.callID } }
        set { state.withLock { $0.callID = newValue } }
    }
}
