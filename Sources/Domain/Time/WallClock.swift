import Foundation

/// Where the business rules read the time from, so tests can move it (code expiry, session expiry).
public protocol WallClock: Sendable {
    var nowUnix: Int64 { get }
}

/// The machine's clock.
public struct SystemWallClock: WallClock {
    public init() {}
    public var nowUnix: Int64 { Int64(Date().timeIntervalSince1970) }
}
