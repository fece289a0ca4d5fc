/// Counts one repeated field of an encoded message before it is decoded, so that a limit on how many
/// entries the field may have can be checked before protobuf-c allocates one struct per entry (a
/// 2 MiB frame of empty map entries, `22 00` repeated, is a million allocations). Reads only tags and
/// lengths, top level, in one bounded pass; it decodes nothing.
public enum WireFieldCounter {
    /// How often `number` occurs at the top level of `bytes`; nil when the bytes are not protobuf.
    public static func count(_ number: UInt32, in bytes: UnsafeRawBufferPointer) -> Int? {
        var count = 0
        let complete = walk(bytes) { field, _ in if field == number { count += 1 } }
        return complete ? count : nil
    }

    /// `bytes` without any occurrence of field `number` (top level); nil when they are not protobuf.
    public static func removing(_ number: UInt32, from bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        var kept: [UInt8] = []
        kept.reserveCapacity(bytes.count)
        let complete = walk(bytes) { field, range in
            if field != number { kept.append(contentsOf: bytes[range]) }
        }
        return complete ? kept : nil
    }

    /// Calls `visit` with each top-level field's number and byte range (tag included). False when the
    /// bytes end mid-field or use a wire type protobuf 3 does not (groups).
    private static func walk(_ bytes: UnsafeRawBufferPointer, _ visit: (UInt32, Range<Int>) -> Void) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let start = offset
            guard let tag = varint(bytes, &offset), tag >> 3 > 0, tag >> 3 <= UInt64(UInt32.max) else { return false }
            switch tag & 7 {
            case 0: guard varint(bytes, &offset) != nil else { return false }
            case 1: offset += 8
            case 5: offset += 4
            case 2:
                guard let length = varint(bytes, &offset), length <= UInt64(bytes.count - offset) else { return false }
                offset += Int(length)
            default: return false
            }
            guard offset <= bytes.count else { return false }
            visit(UInt32(tag >> 3), start..<offset)
        }
        return true
    }

    /// A base-128 varint of at most 10 bytes.
    private static func varint(_ bytes: UnsafeRawBufferPointer, _ offset: inout Int) -> UInt64? {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 70, by: 7) {
            guard offset < bytes.count else { return nil }
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7F) << UInt64(shift)
            if byte & 0x80 == 0 { return value }
        }
        return nil
    }
}
