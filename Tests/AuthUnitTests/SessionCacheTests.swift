import Testing

@testable import Domain

@Suite("The per-process session cache")
struct SessionCacheTests {
    static let user = User(
        id: "u1", universityID: UniversityID("x"), email: "a@x.edu", name: "", emailVerified: true,
        googleID: nil, role: .student, isPro: false, createdAtUnix: 0)
    static let session = SessionRecord(
        tokenHash: "h", userID: "u1", universityID: UniversityID("x"), createdAtUnix: 0, expiresAtUnix: 100)

    @Test("entries live for the TTL, go on remove, and a TTL of 0 caches nothing")
    func lifetime() async throws {
        let cache = SessionCache(ttlMs: 150)
        cache.put("h", session: Self.session, user: Self.user, subdomain: "x")
        #expect(cache.get("h")?.user == Self.user)
        cache.remove("h")
        #expect(cache.get("h") == nil, "a sign-out in this process takes effect at once")
        cache.put("h", session: Self.session, user: Self.user, subdomain: "x")
        try await Task.sleep(for: .milliseconds(200))
        #expect(cache.get("h") == nil, "after the TTL the database is asked again")
        let off = SessionCache(ttlMs: 0)
        off.put("h", session: Self.session, user: Self.user, subdomain: "x")
        #expect(off.get("h") == nil)
    }

    @Test("memory is bounded")
    func bounded() {
        let cache = SessionCache(ttlMs: 60_000)
        for index in 0..<(SessionCache.maxEntries + 5) {
            cache.put("h\(index)", session: Self.session, user: Self.user, subdomain: "x")
        }
        #expect(cache.get("h\(SessionCache.maxEntries + 4)") != nil)
        #expect(cache.get("h0") == nil)
    }
}
