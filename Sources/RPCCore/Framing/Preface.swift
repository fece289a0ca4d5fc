import NIOCore

/// The 8 bytes each side sends first: ASCII `CRPC`, a big-endian uint16 version, a uint16 of flags.
public struct Preface: Sendable, Equatable {
    public static let magic: [UInt8] = Array("CRPC".utf8)
    public static let byteCount = 8
    /// The protocol version this code speaks.
    public static let currentVersion: UInt16 = 1
    public static let current = Preface(version: currentVersion, flags: 0)

    public var version: UInt16
    public var flags: UInt16

    public init(version: UInt16, flags: UInt16) {
        self.version = version
        self.flags = flags
    }

    public func write(to buffer: inout ByteBuffer) {
        buffer.writeBytes(Preface.magic)
        buffer.writeInteger(version, endianness: .big)
        buffer.writeInteger(flags, endianness: .big)
    }

    public var bytes: ByteBuffer {
        var buffer = ByteBuffer()
        write(to: &buffer)
        return buffer
    }

    public enum Parse: Equatable {
        case needMoreBytes
        case notAPreface
        case preface(Preface)
    }

    /// Looks at the start of `buffer` without consuming it. Bytes that already differ from the magic
    /// are rejected before all eight have arrived, so a stray HTTP request is refused at once.
    public static func parse(_ buffer: ByteBuffer) -> Parse {
        let available = min(buffer.readableBytes, byteCount)
        guard let head = buffer.getBytes(at: buffer.readerIndex, length: available) else { return .needMoreBytes }
        for (index, byte) in head.prefix(magic.count).enumerated() where byte != magic[index] {
            return .notAPreface
        }
        guard available == byteCount,
            let version = buffer.getInteger(at: buffer.readerIndex + 4, endianness: .big, as: UInt16.self),
            let flags = buffer.getInteger(at: buffer.readerIndex + 6, endianness: .big, as: UInt16.self)
        else { return .needMoreBytes }
        return .preface(Preface(version: version, flags: flags))
    }
}
