import Synchronization

/// Valid sessions this process looked up in the last `ttlMs`, so that a client making many calls
/// does not cost a database read each. The price: a session revoked, or a user changed, by *another*
/// process is seen here up to `ttlMs` later (this process's own sign-outs take effect at once).
/// Expiry is still checked on every call. Bounded: at most `maxEntries`, cleared when full.
final class SessionCache: Sendable {
    static let maxEntries = 10_000

    struct Entry: Sendable {
        let session: SessionRecord
        let user: User
        let subdomain: String
        let storedAt: ContinuousClock.Instant
    }

    private let ttl: Duration
    private let entries = Mutex<[String: Entry]>([:])

    init(ttlMs: Int) {
        ttl = .milliseconds(ttlMs)
    }

    var isEnabled: Bool { ttl > .zero }

    func get(_ tokenHash: String) -> Entry? {
        guard isEnabled else { return nil }
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries[tokenHash] else { return nil }
            guard now - entry.storedAt < ttl else {
                entries.removeValue(forKey: tokenHash)
                return nil
            }
            return entry
        }
    }

    func put(_ tokenHash: String, session: SessionRecord, user: User, subdomain: String) {
        guard isEnabled else { return }
        let entry = Entry(session: session, user: user, subdomain: subdomain, storedAt: .now)
        entries.withLock { entries in
            if entries.count >= Self.maxEntries { entries.removeAll(keepingCapacity: true) }
            entries[tokenHash] = entry
        }
    }

    func remove(_ tokenHash: String) {
        _ = entries.withLock { $0.removeValue(forKey: tokenHash) }
    }
}
