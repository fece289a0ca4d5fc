import Synchronization

/// The per-address code limiter of one process. At most `maxTrackedAddresses` keys are kept, in
/// least-recently-used order on an index-linked list, so admitting and evicting are O(1) whatever
/// the table holds (a scan for the stalest would make a flood of new addresses quadratic).
public final class InMemoryAddressRateLimiter: AddressRateLimiter {
    public static let defaultMaxTrackedAddresses = 100_000

    private struct Entry {
        var key: String
        var count: SlidingWindowCount
        var older: Int
        var newer: Int
    }

    /// Slots linked from the least (`oldest`) to the most recently used (`newest`); -1 ends the list.
    private struct Table {
        var slots: [Entry] = []
        var slotOfKey: [String: Int] = [:]
        var oldest = -1
        var newest = -1

        mutating func unlink(_ slot: Int) {
            let (older, newer) = (slots[slot].older, slots[slot].newer)
            if older >= 0 { slots[older].newer = newer } else { oldest = newer }
            if newer >= 0 { slots[newer].older = older } else { newest = older }
        }

        mutating func linkNewest(_ slot: Int) {
            slots[slot].older = newest
            slots[slot].newer = -1
            if newest >= 0 { slots[newest].newer = slot } else { oldest = slot }
            newest = slot
        }
    }

    private let limit: Int64
    private let maxTrackedAddresses: Int
    private let table = Mutex(Table())

    public init(maxPerHour: Int, maxTrackedAddresses: Int = defaultMaxTrackedAddresses) {
        precondition(maxPerHour >= 1 && maxTrackedAddresses >= 1)
        limit = Int64(maxPerHour)
        self.maxTrackedAddresses = maxTrackedAddresses
    }

    /// How many keys are tracked (tests).
    public var trackedCount: Int { table.withLock { $0.slotOfKey.count } }

    public func admit(_ key: String, nowUnix: Int64) async -> Int64? { admitNow(key, nowUnix: nowUnix) }

    public func admitNow(_ key: String, nowUnix: Int64) -> Int64? {
        table.withLock { table in
            let fresh = SlidingWindowCount(
                windowIndex: SlidingWindowCount.windowIndex(at: nowUnix), current: 0, previous: 0)
            let slot: Int
            if let existing = table.slotOfKey[key] {
                slot = existing
                table.unlink(slot)
                table.slots[slot].count = table.slots[slot].count.advanced(to: nowUnix)
            } else if table.slots.count < maxTrackedAddresses {
                slot = table.slots.count
                table.slots.append(Entry(key: key, count: fresh, older: -1, newer: -1))
                table.slotOfKey[key] = slot
            } else {
                // Reuse the least recently used slot: its key is forgotten (and would start afresh).
                slot = table.oldest
                table.unlink(slot)
                table.slotOfKey.removeValue(forKey: table.slots[slot].key)
                table.slots[slot].key = key
                table.slots[slot].count = fresh
                table.slotOfKey[key] = slot
            }
            table.linkNewest(slot)
            assert(table.slotOfKey.count == table.slots.count && table.slots.count <= maxTrackedAddresses)
            if let wait = table.slots[slot].count.retryAfter(limit: limit, nowUnix: nowUnix) { return wait }
            table.slots[slot].count.current += 1
            return nil
        }
    }
}
