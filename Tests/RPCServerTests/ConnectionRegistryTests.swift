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

    @Test("per-address admission: the limit counts open connections of one address; a close frees a slot")
    func perAddress() {
        let registry = ConnectionRegistry()
        let first = registry.admit(address: "10.0.0.1", maxPerAddress: 2, maxTotal: 10)
        let second = registry.admit(address: "10.0.0.1", maxPerAddress: 2, maxTotal: 10)
        #expect(first != nil && second != nil)
        #expect(registry.admit(address: "10.0.0.1", maxPerAddress: 2, maxTotal: 10) == nil)
        #expect(registry.admit(address: "10.0.0.2", maxPerAddress: 2, maxTotal: 10) != nil)
        first?.opened({}, {})
        first?.closed()
        #expect(registry.admit(address: "10.0.0.1", maxPerAddress: 2, maxTotal: 10) != nil)
    }

    @Test("refusals are logged once per address per interval, with the count in between")
    func refusalLog() {
        let log = RefusalLog(interval: .seconds(10))
        let start = ContinuousClock.now
        var lines: [(String, Int)] = []
        for offset in [0, 1, 2, 3, 11, 12] {
            log.note("10.0.0.1", now: start + .seconds(offset)) { lines.append(("10.0.0.1", $0)) }
        }
        log.note("10.0.0.2", now: start) { lines.append(("10.0.0.2", $0)) }
        #expect(lines.map(\.0) == ["10.0.0.1", "10.0.0.1", "10.0.0.2"])
        #expect(lines.map(\.1) == [1, 4, 1])
    }
}
