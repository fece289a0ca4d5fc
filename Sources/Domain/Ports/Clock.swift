import Foundation

/// Where the domain gets "now" from, so that expiry and rate limits can be tested without waiting.
public protocol WallClock: Sendable {
    func now() -> Date
}

public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}
