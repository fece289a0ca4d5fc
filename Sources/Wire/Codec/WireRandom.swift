/// A small seeded generator (SplitMix64) for arbitrary messages: reproducible round-trip inputs.
public struct WireRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func integer<T: FixedWidthInteger>() -> T {
        // Mostly small numbers, sometimes the extremes: both ends of varint encoding get exercised.
        switch integer(upTo: 4) {
        case 0: return 0
        case 1: return T.max
        case 2: return T.min
        default: return T.random(in: T.min...T.max, using: &self)
        }
    }

    mutating func integer(upTo bound: Int) -> Int { Int.random(in: 0..<bound, using: &self) }

    mutating func string() -> String {
        let alphabet = Array("abcXYZ019 _-/.é€😀\n")
        return String((0..<integer(upTo: 12)).map { _ in alphabet[integer(upTo: alphabet.count)] })
    }

    mutating func bytes() -> [UInt8] {
        (0..<integer(upTo: 40)).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}
