import Synchronization

/// Request ids for calls that bring none: a random prefix per process and a counter, unique across
/// restarts and costing no system call per call (a random number each time was a `getrandom`).
final class RequestIDGenerator: Sendable {
    static let shared = RequestIDGenerator()

    private let prefix = String(UInt32.random(in: .min ... .max), radix: 16)
    private let counter = Atomic<UInt64>(0)

    func next() -> String {
        let value = counter.wrappingAdd(1, ordering: .relaxed).newValue
        return prefix + "-" + String(value, radix: 16)
    }
}
