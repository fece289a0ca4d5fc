import Synchronization

/// One transaction waiting for SQLite's thread: its body, type-erased, and the caller to answer.
///
/// The caller is answered exactly once: with the body's result after its commit, with the error that
/// rolled it back, or with `CancellationError` when its task is cancelled before the thread takes it
/// (then the body never runs). Once taken, it runs to the end; its caller is answered as usual.
final class PendingTransaction: Sendable {
    typealias Answer = @Sendable (Result<any Sendable, any Error>) -> Void

    private enum Phase {
        case created
        case waiting(Answer)
        case taken
        case cancelled
    }

    let body: @Sendable (any SQLConnection) throws -> any Sendable
    private let phase = Mutex(Phase.created)

    init(body: @escaping @Sendable (any SQLConnection) throws -> any Sendable) {
        self.body = body
    }

    /// Records how to answer the caller; false (the caller answered already) when it was cancelled first.
    func wait(answer: @escaping Answer) -> Bool {
        let cancelled = phase.withLock { phase -> Bool in
            guard case .created = phase else { return true }
            phase = .waiting(answer)
            return false
        }
        if cancelled { answer(.failure(CancellationError())) }
        return !cancelled
    }

    /// The caller's task was cancelled: answered now unless the thread has taken it.
    func cancel() {
        let answer = phase.withLock { phase -> Answer? in
            switch phase {
            case .created:
                phase = .cancelled
                return nil
            case .waiting(let answer):
                phase = .cancelled
                return answer
            case .taken, .cancelled:
                return nil
            }
        }
        answer?(.failure(CancellationError()))
    }

    /// For SQLite's thread: how to answer the caller, or nil when it was cancelled (skip it).
    func take() -> Answer? {
        phase.withLock { phase in
            guard case .waiting(let answer) = phase else { return nil }
            phase = .taken
            return answer
        }
    }
}
