import Synchronization
import TestSupport
import Testing

@testable import RPCServer

@Suite("Connection registry")
struct ConnectionRegistryTests {
    @Test("waiting for no connections: woken by the last close, and by cancellation when a close never comes")
    func waitUntilEmpty() async throws {
        let registry = ConnectionRegistry()
        let closing = registry.makeEvents()
        closing.opened({}, {})
        let emptied = Task { await registry.waitUntilEmpty() }
        closing.closed()
        await emptied.value

        // A connection whose close is never reported (its close does nothing): the drain's timeout
        // cancels the wait, and the wait must end then instead of holding the shutdown for ever.
        let stuck = registry.makeEvents()
        stuck.opened({}, {})
        let returned = ReturnFlag()
        let waiting = Task {
            await registry.waitUntilEmpty()
            returned.set()
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(!returned.isSet, "a connection is still open")
        waiting.cancel()
        let ended = await eventually(timeoutMs: 5_000) { returned.isSet }
        #expect(ended, "a cancelled wait returns")
        if !ended { stuck.closed() }  // lets the test finish either way
        await waiting.value
        #expect(registry.count == 1)
    }
}

private final class ReturnFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .sequentiallyConsistent) }
    var isSet: Bool { flag.load(ordering: .sequentiallyConsistent) }
}
