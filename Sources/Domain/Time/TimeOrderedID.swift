import Foundation
import Synchronization

/// UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then a counter and random bits. Sorting these ids
/// sorts rows by creation, also within one second, which is what keyset pages of the newest runs and
/// ledger rows need. Monotonic within this process.
public enum TimeOrderedID {
    private static let last = Mutex<(milliseconds: UInt64, counter: UInt16)>((0, 0))

    public static func make() -> String {
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        var generator = SystemRandomNumberGenerator()
        let (milliseconds, counter) = last.withLock { state -> (UInt64, UInt16) in
            if now > state.milliseconds {
                state = (now, UInt16.random(in: 0..<0x800, using: &generator))  // leave room to count up
            } else if state.counter < 0xFFF {
                state.counter += 1
            } else {
                state = (state.milliseconds + 1, 0)  // 4,096 ids in one millisecond: borrow the next one
            }
            return state
        }
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - index))) }
        bytes[6] = 0x70 | UInt8(counter >> 8 & 0x0F)
        bytes[7] = UInt8(truncatingIfNeeded: counter)
        for index in 8..<16 { bytes[index] = UInt8.random(in: .min ... .max, using: &generator) }
        bytes[8] = 0x80 | (bytes[8] & 0x3F)
        let hex = bytes.hex
        let utf8 = Array(hex.utf8)
        func part(_ range: Range<Int>) -> String { String(decoding: utf8[range], as: UTF8.self) }
        return "\(part(0..<8))-\(part(8..<12))-\(part(12..<16))-\(part(16..<20))-\(part(20..<32))"
    }
}
