import NIOCore

/// One NIO timer for many calls' deadlines, armed at the earliest of them. A scheduled task per call
/// cost more than the rest of a health check; with this, a connection schedules a timer only when a
/// new deadline is earlier than the armed one. Event-loop confined, like the handler that owns it.
public struct EarliestDeadlineTimer {
    private var scheduled: Scheduled<Void>?
    private var armedAt: NIODeadline?

    public init() {}

    /// Makes sure the timer fires no later than `deadline`; `fire` runs on `eventLoop` when it does.
    public mutating func arm(
        at deadline: NIODeadline, on eventLoop: any EventLoop, fire: @escaping @Sendable () -> Void
    ) {
        if let armedAt, armedAt <= deadline { return }
        scheduled?.cancel()
        armedAt = deadline
        scheduled = eventLoop.scheduleTask(deadline: deadline, fire)
    }

    /// Call first thing when the timer fires: it is no longer armed.
    public mutating func fired() {
        scheduled = nil
        armedAt = nil
    }

    public mutating func cancel() {
        scheduled?.cancel()
        fired()
    }

    /// The earliest deadline after `now` among `deadlines`, calling `expired` for each one not after it.
    public static func sweep<Key>(_ deadlines: [(Key, NIODeadline?)], now: NIODeadline, expired: (Key) -> Void)
        -> NIODeadline?
    {
        var next: NIODeadline?
        for (key, deadline) in deadlines {
            guard let deadline else { continue }
            if deadline <= now {
                expired(key)
            } else if next == nil || deadline < next! {
                next = deadline
            }
        }
        return next
    }
}
