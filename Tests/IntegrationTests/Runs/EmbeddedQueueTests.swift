import Domain
import Queue
import Synchronization
import TestSupport
import Testing

@Suite("The embedded run queue (one process)")
struct EmbeddedQueueTests {
    @Test("enqueue, deliver in order, acknowledge; an unacknowledged delivery comes again after the visibility timeout")
    func semantics() async throws {
        // A visibility timeout far beyond the test, so "nothing else is due" holds however slow the machine.
        let queue = EmbeddedJobQueue(visibilityTimeoutMs: 600_000)
        try await queue.enqueue(runID: "a")
        try await queue.enqueue(runID: "b")
        let first = try #require(try await queue.next(timeoutMs: 100))
        let second = try #require(try await queue.next(timeoutMs: 100))
        #expect(first.runID == "a" && second.runID == "b")
        try await first.acknowledge()
        #expect(try await queue.next(timeoutMs: 50) == nil, "nothing else is due yet")
        _ = second

        // With a short visibility timeout, a delivery nobody acknowledges comes again.
        let forgetful = EmbeddedJobQueue(visibilityTimeoutMs: 100)
        try await forgetful.enqueue(runID: "dropped")
        #expect(try await forgetful.next(timeoutMs: 100)?.runID == "dropped")
        #expect(try await forgetful.next(timeoutMs: 10_000)?.runID == "dropped", "never acknowledged: delivered again")
    }

    /// Each waiting call sleeps on a timer of its own; the timer, an enqueue or a cancellation may
    /// come before the call has registered as a waiter. None of them may be lost, or the call (and
    /// with it a worker's shutdown) waits for an enqueue that may never come.
    @Test("1,000 short waits and 1,000 cancelled waits on an empty queue all return")
    func waitsAlwaysReturn() async throws {
        let queue = EmbeddedJobQueue()
        let returned = Counter()
        let short = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<1_000 {
                    group.addTask {
                        _ = try? await queue.next(timeoutMs: 1)
                        returned.add()
                    }
                }
            }
        }
        let long = (0..<1_000).map { _ in
            Task {
                _ = try? await queue.next(timeoutMs: 600_000)
                returned.add()
            }
        }
        for call in long { call.cancel() }
        let allReturned = await eventually(timeoutMs: 20_000) { returned.value == 2_000 }
        #expect(allReturned, "\(2_000 - returned.value) calls still waiting")
        if !allReturned { for _ in 0..<2_000 { try await queue.enqueue(runID: "release") } }  // end the test either way
        await short.value
        for call in long { await call.value }
    }
}

final class Counter: Sendable {
    private let count = Atomic<Int>(0)
    func add() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}
