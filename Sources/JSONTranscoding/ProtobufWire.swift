/// Writes protobuf records (tag, then varint or length-delimited bytes).
struct ProtobufWriter {
    var bytes: [UInt8] = []

    mutating func rawVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    mutating func varint(_ number: UInt32, _ value: UInt64) {
        rawVarint(UInt64(number) << 3)
        rawVarint(value)
    }

    mutating func lengthDelimited(_ number: UInt32, _ payload: [UInt8]) {
        rawVarint(UInt64(number) << 3 | 2)
        rawVarint(UInt64(payload.count))
        bytes.append(contentsOf: payload)
    }
}

/// Reads protobuf records; every read is bounds-checked and answers nil on truncated input.
struct ProtobufReader {
    let buffer: UnsafeBufferPointer<UInt8>
    var index = 0

    init(buffer: UnsafeBufferPointer<UInt8>) { self.buffer = buffer }

    var isAtEnd: Bool { index >= buffer.count }

    mutating func varint() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while index < buffer.count, shift < 64 {
            let byte = buffer[index]
            index += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        return nil
    }

    mutating func tag() -> (UInt32, UInt8)? {
        guard let raw = varint(), raw >> 3 <= UInt64(UInt32.max), raw >> 3 > 0 else { return nil }
        return (UInt32(raw >> 3), UInt8(raw & 7))
    }

    mutating func lengthDelimited() -> Slice<UnsafeBufferPointer<UInt8>>? {
        guard let length = varint(), length <= UInt64(buffer.count - index) else { return nil }
        let start = index
        index += Int(length)
        return buffer[start..<index]
    }

    mutating func skip(_ wireType: UInt8) -> Bool {
        switch wireType {
        case 0: return varint() != nil
        case 1: return advance(8)
        case 2: return lengthDelimited() != nil
        case 5: return advance(4)
        default: return false
        }
    }

    private mutating func advance(_ count: Int) -> Bool {
        guard buffer.count - index >= count else { return false }
        index += count
        return true
    }
}
