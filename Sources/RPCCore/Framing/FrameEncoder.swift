import NIOCore
import Wire

/// `Frame` → a big-endian uint32 length and the frame's protobuf bytes, packed straight into the
/// outbound buffer by protobuf-c.
public struct FrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = Frame

    public init() {}

    public func encode(data frame: Frame, out: inout ByteBuffer) throws {
        try Self.write(frame, to: &out)
    }

    public static func write(_ frame: Frame, to out: inout ByteBuffer) throws {
        try frame.withWireEncoding { encoding in
            out.reserveCapacity(minimumWritableBytes: 4 + encoding.byteCount)
            out.writeInteger(UInt32(encoding.byteCount), endianness: .big)
            out.writeWithUnsafeMutableBytes(minimumWritableBytes: encoding.byteCount) { destination in
                encoding.write(to: destination)
                return encoding.byteCount
            }
        }
    }
}
