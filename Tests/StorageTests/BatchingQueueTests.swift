import Synchronization
import Testing

@testable import Storage

/// The batching queue alone, driven step by step: a gate holds each batch at the "database" until
/// the test lets it go, so which calls share a batch is decided by the test, not by timing.
@Suite("Batching queue (group commit for PostgreSQL starts)", .timeLimit(.minutes(1)))
struct BatchingQueueTests {
    /// A stand-in database: records each batch, answers each item with its name upper-cased (or
    /// fails the items named "fail"), and holds a batch until the gate opens.
    final class Recorder: Sendable {
        let batches = Mutex<[[String]]>([])
        /// How many batches may finish.
        private let allowed = Atomic<Int>(0)

        func openGate() { allowed.store(Int.max, ordering: .sequentiallyConsistent) }
        func allow(_ count: Int) { allowed.store(count, ordering: .sequentiallyConsistent) }

        func run(_ items: [Item]) async -> [Result<String, any Error>] {
            let index = batches.withLock { batches in
                batches.append(items.map(\.name))
                return batches.count - 1
            }
            while index >= allowed.load(ordering: .sequentiallyConsistent) {
                try? await Task.sleep(for: .milliseconds(2))
            }
            return items.map { item in
                item.name == "fail" ? .failure(Refused()) : .success(item.name.uppercased())
            }
        }

        var recorded: [[String]] { batches.withLock { $0 } }
    }

    struct Item: Sendable {
        let name: String
        let wallet: String
    }

    struct Refused: Error {}

    static func queue(_ recorder: Recorder, maxBatch: Int, inFlight: Int = 1) -> BatchingQueue<Item, String> {
        BatchingQueue(limits: BatchLimits(maxBatch: maxBatch, maxBatchesInFlight: inFlight), key: \.wallet) { items in
            await recorder.run(items)
        }
    }

    /// Submits each item in order, each only once the previous one waits in line.
    static func submitInLine(_ items: [Item], to queue: BatchingQueue<Item, String>, alreadyWaiting: Int = 0)
        async throws -> [Task<String, any Error>]
    {
        var tasks: [Task<String, any Error>] = []
        for (index, item) in items.enumerated() {
            tasks.append(Task { try await queue.submit(item) })
            while queue.waitingCount < alreadyWaiting + index + 1 { try await Task.sleep(for: .milliseconds(1)) }
        }
        return tasks
    }

    @Test("a lone call runs at once, alone; calls that arrive meanwhile go in together, up to the batch limit")
    func batchesForm() async throws {
        let recorder = Recorder()
        let queue = Self.queue(recorder, maxBatch: 3)
        let first = Task { try await queue.submit(Item(name: "a", wallet: "1")) }
        while recorder.recorded.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
        let names = ["b", "c", "d", "e", "f"]
        let later = try await Self.submitInLine(
            names.enumerated().map { Item(name: $1, wallet: "\($0 + 2)") }, to: queue)
        recorder.openGate()
        #expect(try await first.value == "A")
        for (task, name) in zip(later, names) { #expect(try await task.value == name.uppercased()) }
        #expect(recorder.recorded == [["a"], ["b", "c", "d"], ["e", "f"]])
        #expect(queue.waitingCount == 0)
    }

    @Test("two calls with one key never share a batch: the later one waits for the next")
    func oneKeyPerBatch() async throws {
        let recorder = Recorder()
        let queue = Self.queue(recorder, maxBatch: 8)
        let first = Task { try await queue.submit(Item(name: "a", wallet: "w0")) }
        while recorder.recorded.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
        let items = [
            Item(name: "b", wallet: "w1"), Item(name: "b2", wallet: "w1"), Item(name: "c", wallet: "w2"),
            Item(name: "b3", wallet: "w1"),
        ]
        let later = try await Self.submitInLine(items, to: queue)
        recorder.openGate()
        _ = try await first.value
        for task in later { _ = try await task.value }
        #expect(recorder.recorded == [["a"], ["b", "c"], ["b2"], ["b3"]])
    }

    @Test("each caller hears its own item's result; one item's failure is only its caller's")
    func ownResults() async throws {
        let recorder = Recorder()
        let queue = Self.queue(recorder, maxBatch: 8)
        let first = Task { try await queue.submit(Item(name: "a", wallet: "0")) }
        while recorder.recorded.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
        let later = try await Self.submitInLine(
            [Item(name: "x", wallet: "1"), Item(name: "fail", wallet: "2"), Item(name: "y", wallet: "3")], to: queue)
        recorder.openGate()
        _ = try await first.value
        #expect(try await later[0].value == "X")
        await #expect(throws: Refused.self) { _ = try await later[1].value }
        #expect(try await later[2].value == "Y")
        #expect(recorder.recorded == [["a"], ["x", "fail", "y"]])
    }

    @Test("a caller cancelled while it waits leaves at once and its item never runs")
    func cancelledWaiter() async throws {
        let recorder = Recorder()
        let queue = Self.queue(recorder, maxBatch: 8)
        let first = Task { try await queue.submit(Item(name: "a", wallet: "0")) }
        while recorder.recorded.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
        let later = try await Self.submitInLine(
            [Item(name: "gone", wallet: "1"), Item(name: "kept", wallet: "2")], to: queue)
        later[0].cancel()
        await #expect(throws: CancellationError.self) { _ = try await later[0].value }
        #expect(queue.waitingCount == 1, "left while the batch before it was still at the database")
        recorder.openGate()
        _ = try await first.value
        #expect(try await later[1].value == "KEPT")
        #expect(recorder.recorded == [["a"], ["kept"]])
    }

    @Test("a leader cancelled after its batch was taken still runs it: the others hear their results")
    func cancelledLeader() async throws {
        let recorder = Recorder()
        let queue = Self.queue(recorder, maxBatch: 8)
        let first = Task { try await queue.submit(Item(name: "a", wallet: "0")) }
        while recorder.recorded.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
        let later = try await Self.submitInLine(
            [Item(name: "lead", wallet: "1"), Item(name: "other", wallet: "2")], to: queue)
        recorder.allow(1)
        _ = try await first.value
        // "lead" now runs the second batch, held at the gate; cancelling it (a deadline, a CANCEL)
        // must not fail "other", and "lead"'s own item, already taken, runs too.
        while recorder.recorded.count < 2 { try await Task.sleep(for: .milliseconds(1)) }
        later[0].cancel()
        recorder.openGate()
        #expect(try await later[1].value == "OTHER")
        #expect(try await later[0].value == "LEAD")
        #expect(recorder.recorded == [["a"], ["lead", "other"]])
    }

    @Test("with two batches in flight, two lone calls both run at once; the third waits")
    func twoInFlight() async throws {
        let recorder = Recorder()
        let queue = Self.queue(recorder, maxBatch: 8, inFlight: 2)
        let first = Task { try await queue.submit(Item(name: "a", wallet: "0")) }
        let second = Task { try await queue.submit(Item(name: "b", wallet: "1")) }
        while recorder.recorded.count < 2 { try await Task.sleep(for: .milliseconds(1)) }
        let third = try await Self.submitInLine([Item(name: "c", wallet: "2")], to: queue)
        #expect(queue.waitingCount == 1)
        recorder.openGate()
        #expect(try await first.value == "A")
        #expect(try await second.value == "B")
        #expect(try await third[0].value == "C")
        #expect(Set(recorder.recorded.prefix(2)) == [["a"], ["b"]] && recorder.recorded.last == ["c"])
    }
}
