import Domain
import Foundation
import Synchronization

/// A clock the test moves by hand (code and session expiry without waiting).
public final class ManualWallClock: WallClock {
    private let now: Mutex<Int64>

    public init(nowUnix: Int64 = Int64(Date().timeIntervalSince1970)) {
        now = Mutex(nowUnix)
    }

    public var nowUnix: Int64 { now.withLock { $0 } }

    public func advance(seconds: Int64) {
        now.withLock { $0 += seconds }
    }
}
