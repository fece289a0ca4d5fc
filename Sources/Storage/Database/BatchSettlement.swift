/// How a batch's items get their answers: together in one round trip when there are several, each
/// alone when there is one, and alone again for each item the batch left unsettled (nil) — and for
/// all of them when the batch failed for a reason that may be one item's (a unique or check
/// violation, a deadlock). An outage or a timeout answers every item at once: alone they would
/// only fail again.
enum BatchSettlement {
    static func settle<Item: Sendable, Outcome: Sendable>(
        _ batch: [Item], together: ([Item]) async throws -> [Outcome?],
        alone: @escaping @Sendable (Item) async throws -> Outcome
    ) async -> [Result<Outcome, any Error>] {
        guard batch.count > 1 else { return [await Result.catching { try await alone(batch[0]) }] }
        var settled: [Outcome?]
        do {
            settled = try await together(batch)
            precondition(settled.count == batch.count, "a batch answers each of its items")
        } catch let error as StorageError {
            switch error {
            case .unavailable, .timeout: return batch.map { _ in .failure(error.domainError) }
            case .uniqueViolation, .constraintViolation, .conflict, .unexpectedValue, .failed:
                settled = Array(repeating: nil, count: batch.count)
            }
        } catch {
            return batch.map { _ in .failure(error) }
        }
        return await withTaskGroup(of: (Int, Result<Outcome, any Error>).self) { group in
            var results: [Result<Outcome, any Error>?] = settled.map { outcome in outcome.map { .success($0) } }
            for (index, outcome) in settled.enumerated() where outcome == nil {
                let item = batch[index]
                group.addTask { (index, await Result.catching { try await alone(item) }) }
            }
            for await (index, result) in group { results[index] = result }
            return results.map { $0! }
        }
    }
}
