/// At most `limit` PDF renders at once in this process, first come first served. WeasyPrint is
/// CPU-bound: more renders than cores only make every one of them slower (measured: 15 at once on
/// 2 cores took 30 s each instead of 1 s), so the worker's other runs queue here instead.
actor RenderSlots {
    private let limit: Int
    private var inUse = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) {
        precondition(limit >= 1, "at least one render at a time")
        self.limit = limit
    }

    /// Runs `body` in a slot. A caller cancelled while it waits gives its turn up when it gets it.
    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        if inUse < limit {
            inUse += 1
        } else {
            await withCheckedContinuation { waiting.append($0) }  // the slot is handed over by release()
        }
        defer { release() }
        try Task.checkCancellation()
        return try await body()
    }

    private func release() {
        if waiting.isEmpty {
            inUse -= 1
        } else {
            waiting.removeFirst().resume()
        }
        assert(inUse >= 0 && inUse <= limit, "slots are balanced")
    }
}
