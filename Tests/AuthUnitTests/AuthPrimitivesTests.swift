import Domain
import Foundation
import Logging
import RPCCore
import RPCServer
import Testing

@testable import API
@testable import Outbound

@Suite("Sign-in building blocks: codes, tokens, emails, limits, headers")
struct AuthPrimitivesTests {
    let secret = try! ServerSecret(String(repeating: "k", count: 32))
    let university = UniversityID("u-1")

    @Test("codes are six digits, spread over the whole range, and verify only for their own request")
    func otpCodes() throws {
        let codes = (0..<2000).map { _ in OtpCode.generate() }
        #expect(codes.allSatisfy(OtpCode.isWellFormed))
        #expect(Set(codes).count > 1900, "no obvious repetition")
        #expect(Set(codes.map { $0.first! }).count == 10, "every leading digit occurs, zero included")
        let hash = OtpCode.hash("123456", otpID: "o1", university: university, email: "a@x.edu", secret: secret)
        #expect(hash.count == 64 && !hash.contains("123456"))
        #expect(
            OtpCode.matches(
                "123456", storedHash: hash, otpID: "o1", university: university, email: "a@x.edu", secret: secret))
        #expect(
            !OtpCode.matches(
                "123457", storedHash: hash, otpID: "o1", university: university, email: "a@x.edu", secret: secret))
        #expect(
            !OtpCode.matches(
                "123456", storedHash: hash, otpID: "o2", university: university, email: "a@x.edu", secret: secret))
        #expect(
            !OtpCode.matches(
                "123456", storedHash: hash, otpID: "o1", university: UniversityID("u-2"), email: "a@x.edu",
                secret: secret))
        #expect(
            !OtpCode.matches(
                "123456", storedHash: hash, otpID: "o1", university: university, email: "b@x.edu", secret: secret))
        let otherSecret = try ServerSecret(String(repeating: "z", count: 32))
        #expect(
            !OtpCode.matches(
                "123456", storedHash: hash, otpID: "o1", university: university, email: "a@x.edu", secret: otherSecret))
        #expect(
            !OtpCode.matches(
                "123456", storedHash: "not-hex", otpID: "o1", university: university, email: "a@x.edu", secret: secret))
        for bad in ["12345", "1234567", "12345a", "١٢٣٤٥٦", " 123456"] { #expect(!OtpCode.isWellFormed(bad)) }
        #expect(throws: DomainError.self) { try ServerSecret("short") }
    }

    @Test("session tokens: 256 random bits, only ours parse from a Bearer header")
    func sessionTokens() {
        let tokens = (0..<100).map { _ in SessionToken.generate() }
        #expect(Set(tokens).count == 100 && tokens.allSatisfy { $0.hasPrefix("cai_") && $0.count == 4 + 43 })
        let token = tokens[0]
        #expect(SessionToken.fromAuthorization("Bearer \(token)") == token)
        #expect(SessionToken.fromAuthorization("bearer \(token)") == token)
        for bad in [
            "", "Bearer", "Basic \(token)", "Bearer abc", "Bearer cai_a+b",
            "Bearer cai_" + String(repeating: "a", count: 200), token,
        ] {
            #expect(SessionToken.fromAuthorization(bad) == nil, "\(bad.prefix(20))")
        }
        #expect(SessionToken.hash(token).count == 64 && SessionToken.hash(token) == SessionToken.hash(token))
    }

    @Test("emails are trimmed, lowercased and bounded; odd ones are refused naming the field")
    func emails() throws {
        #expect(try EmailAddress.normalize("  Ada.Lovelace+cv@Demo.EDU ") == ("ada.lovelace@demo.edu", "demo.edu"))
        #expect(
            try EmailAddress.normalize("ada+1+2@demo.edu") == ("ada@demo.edu", "demo.edu"), "one mailbox, one account")
        #expect(
            try EmailAddress.normalize("+ada@demo.edu") == ("+ada@demo.edu", "demo.edu"), "no mailbox before the '+'")
        for bad in [
            "", "ada", "@demo.edu", "ada@", "a@@demo.edu", "a b@demo.edu", ".a@demo.edu", "a..b@demo.edu", "a@demo",
            "a@demo..edu", "\"q\"@demo.edu", "a@[127.0.0.1]", String(repeating: "a", count: 65) + "@demo.edu",
        ] {
            #expect(throws: DomainError.self, "\(bad)") { try EmailAddress.normalize(bad) }
        }
    }

    @Test("the per-address limiter admits N in a sliding hour per address and is refused until exactly when it says")
    func addressLimiter() {
        let limiter = InMemoryAddressRateLimiter(maxPerHour: 3)
        for second in [0, 10, 20] as [Int64] { #expect(limiter.admitNow("10.0.0.1", nowUnix: 1_000 + second) == nil) }
        let retryAfter = limiter.admitNow("10.0.0.1", nowUnix: 1_030)
        #expect(
            retryAfter == Int64(2_570 + 1_200),
            "not in this hour-window (2570 s left); in the next, once the three weigh (1 - t/3600) x 3 <= 2")
        #expect(limiter.admitNow("10.0.0.2", nowUnix: 1_030) == nil, "addresses are counted apart")
        #expect(limiter.admitNow("10.0.0.1", nowUnix: 1_030 + 3_769) != nil, "one second early is still refused")
        #expect(limiter.admitNow("10.0.0.1", nowUnix: 1_030 + 3_770) == nil, "admitted when it said")
        #expect(limiter.admitNow("10.0.0.1", nowUnix: 1_000 + 3 * 3_600) == nil, "two windows later all is forgotten")
    }

    @Test("the sliding-window arithmetic: the previous window's share shrinks, never below zero, whole seconds")
    func slidingWindowCount() {
        // 10 a hour; last window 10, this one 2, 900 s in: 10 x 2700/3600 + 2 = 9.5, one more is 10.5 > 10.
        let count = SlidingWindowCount(windowIndex: 1, current: 2, previous: 10)
        let retry = count.retryAfter(limit: 10, nowUnix: 3_600 + 900)
        #expect(retry == Int64(2_700 - (7 * 3_600) / 10), "10 x (2700 - t)/3600 <= 7 from t = 180")
        #expect(count.retryAfter(limit: 10, nowUnix: 3_600 + 900 + 180) == nil)
        #expect(count.advanced(to: 7_200 + 5) == SlidingWindowCount(windowIndex: 2, current: 0, previous: 2))
        #expect(count.advanced(to: 10_800) == SlidingWindowCount(windowIndex: 3, current: 0, previous: 0))
        #expect(SlidingWindowCount.windowIndex(at: -1) == -1, "floor, not truncation, before 1970")
    }

    @Test("the in-memory limiter keeps at most its bound of addresses, forgetting the least recently seen first")
    func addressLimiterEviction() {
        let limiter = InMemoryAddressRateLimiter(maxPerHour: 1, maxTrackedAddresses: 2)
        #expect(limiter.admitNow("a", nowUnix: 100) == nil)
        #expect(limiter.admitNow("b", nowUnix: 101) == nil)
        #expect(limiter.admitNow("a", nowUnix: 102) != nil, "a is full, and now the most recently seen")
        #expect(limiter.admitNow("c", nowUnix: 103) == nil, "c takes b's slot: b was seen least recently")
        #expect(limiter.trackedCount == 2)
        #expect(limiter.admitNow("a", nowUnix: 104) != nil, "a was kept, still full")
        #expect(limiter.admitNow("b", nowUnix: 105) == nil, "b was forgotten and starts afresh (evicting c)")
        #expect(limiter.admitNow("a", nowUnix: 106) != nil)
        // A flood of new addresses: each evicts one, the table never grows.
        let flood = InMemoryAddressRateLimiter(maxPerHour: 5, maxTrackedAddresses: 1_000)
        let admitted = (0..<50_000).filter { flood.admitNow("10.\($0)", nowUnix: 200) == nil }.count
        #expect(admitted == 50_000 && flood.trackedCount == 1_000)
    }

    @Test("Cache-Control max-age is honoured within bounds")
    func cacheControl() {
        #expect(JWKSCache.maxAge("public, max-age=19749, must-revalidate, no-transform") == 19749)
        #expect(JWKSCache.maxAge(nil) == JWKSCache.defaultMaxAgeSeconds)
        #expect(JWKSCache.maxAge("max-age=999999999") == JWKSCache.maxMaxAgeSeconds)
        #expect(JWKSCache.maxAge("no-store") == 0)
        #expect(JWKSCache.maxAge("max-age=-5") == JWKSCache.defaultMaxAgeSeconds)
    }

    @Test("a JWT's kid is read from its header, garbage gives nil")
    func keyID() {
        let header = Data(#"{"alg":"RS256","kid":"abc123","typ":"JWT"}"#.utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-").replacingOccurrences(
                of: "/", with: "_")
        #expect(GoogleOAuthProvider.keyID(of: header + ".payload.sig") == "abc123")
        #expect(GoogleOAuthProvider.keyID(of: "%%%.x.y") == nil)
        #expect(GoogleOAuthProvider.keyID(of: "") == nil)
    }

    @Test("the code mail is CRLF MIME with text and HTML parts, and escapes the university's name")
    func mailContent() {
        let mail = OtpMail(to: "a@demo.edu", code: "042917", universityName: "A&B <Uni>", expiresInMinutes: 10)
        let message = OtpMailContent.message(mail, from: "no-reply@careerai.test", messageIDDomain: "careerai.test")
        #expect(!message.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "every line ends in CRLF")
        #expect(message.contains("Subject: Your CareerAI sign-in code: 042917\r\n"))
        #expect(message.contains("A&amp;B &lt;Uni&gt;") && message.contains("sign in to A&B <Uni>."))
        #expect(
            message.contains("multipart/alternative") && message.contains("text/plain") && message.contains("text/html")
        )
    }

    @Test("the client address is the TCP peer, or the last x-forwarded-for entry from a trusted adapter")
    func clientAddress() {
        #expect(ClientAddressResolver.ip(ofPeer: "127.0.0.1:5000") == "127.0.0.1")
        #expect(ClientAddressResolver.ip(ofPeer: "::1:5000") == "::1")
        func context(peer: String?, forwardedFor: String?) -> RPCContext {
            RPCContext(
                method: "/careerai.v1.AuthService/RequestEmailOtp", callID: 1,
                metadata: forwardedFor.map { ["x-forwarded-for": $0] } ?? [:], deadline: nil, requestID: "r",
                peerAddress: peer, logger: Logger(label: "test"))
        }
        let resolver = ClientAddressResolver(trustedProxies: ["10.0.0.5"])
        #expect(
            resolver.address(of: context(peer: "198.51.100.1:4000", forwardedFor: "203.0.113.9")) == "198.51.100.1",
            "an untrusted peer's header is ignored")
        #expect(
            resolver.address(of: context(peer: "10.0.0.5:4000", forwardedFor: "1.1.1.1, 203.0.113.9")) == "203.0.113.9",
            "from the adapter: the last entry, the one it saw")
        #expect(resolver.address(of: context(peer: "10.0.0.5:4000", forwardedFor: nil)) == "10.0.0.5")
        #expect(
            resolver.address(of: context(peer: "10.0.0.5:4000", forwardedFor: String(repeating: "9", count: 2000)))
                == "10.0.0.5",
            "an oversized header is ignored")
        #expect(resolver.address(of: context(peer: nil, forwardedFor: "203.0.113.9")) == nil)
        // Two addresses of one IPv6 host's /64 are one key for the per-address code limiter.
        let keys = ["2001:db8:7:7::1:4000", "2001:db8:7:7:ffff::9:4000"].map {
            resolver.address(of: context(peer: $0, forwardedFor: nil)).map(IPAddressText.limitKey)
        }
        #expect(keys[0] == "2001:db8:7:7::/64" && keys[0] == keys[1])
        // A dual-stack listener sees the adapter as ::ffff:10.0.0.5: still the trusted adapter.
        #expect(
            resolver.address(of: context(peer: "::ffff:10.0.0.5:4000", forwardedFor: "203.0.113.9")) == "203.0.113.9")
        #expect(
            ClientAddressResolver(trustedProxies: ["::FFFF:10.0.0.5"]).address(
                of: context(peer: "10.0.0.5:4000", forwardedFor: "::ffff:203.0.113.9")) == "203.0.113.9",
            "a mapped trusted proxy and a mapped forwarded address are the IPv4 addresses they are")
    }

    @Test("addresses have one spelling: IPv4-mapped IPv6 is IPv4, IPv6 is RFC 5952, other text is kept")
    func canonicalAddresses() {
        #expect(IPAddressText.canonical("::ffff:10.0.0.5") == "10.0.0.5")
        #expect(IPAddressText.canonical("0:0:0:0:0:FFFF:0A00:0005") == "10.0.0.5")
        #expect(IPAddressText.canonical("2001:DB8:0:0:0:0:0:1") == "2001:db8::1")
        #expect(IPAddressText.canonical("127.0.0.1") == "127.0.0.1")
        #expect(IPAddressText.canonical("not an address") == "not an address")
        // Per-address limits count an IPv6 host's /64, an IPv4 address itself.
        #expect(IPAddressText.limitKey("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64")
        #expect(IPAddressText.limitKey("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64")
        #expect(IPAddressText.limitKey("::ffff:10.0.0.5") == "10.0.0.5")
        #expect(IPAddressText.limitKey("198.51.100.7") == "198.51.100.7")
    }
}
