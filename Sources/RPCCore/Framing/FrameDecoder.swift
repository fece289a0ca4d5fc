import NIOCore
import Wire

/// Bytes → `Frame`: a big-endian uint32 length `L` (1 ≤ L ≤ maxFrameBytes), then `L` bytes of protobuf.
public struct FrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = Frame
    static let lengthPrefixBytes = 4

    public let maxFrameBytes: Int

    public init(maxFrameBytes: Int) {
        precondition(maxFrameBytes > 0 && maxFrameBytes <= Int(UInt32.max), "maxFrameBytes out of range")
        self.maxFrameBytes = maxFrameBytes
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: UInt32.self) else {
            return .needMoreData
        }
        // Refuse a bad length before buffering its body: the limit is what bounds our memory.
        guard length > 0 else { throw FramingError.emptyFrame }
        guard Int(length) <= maxFrameBytes else {
            throw FramingError.frameTooLarge(lengthBytes: length, maxFrameBytes: maxFrameBytes)
        }
        guard buffer.readableBytes >= Self.lengthPrefixBytes + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: Self.lengthPrefixBytes)
        let decoded = buffer.withUnsafeReadableBytes { bytes in
            Result { () throws(WireError) in
                try Frame(wireBytes: UnsafeRawBufferPointer(rebasing: bytes[0..<Int(length)]))
            }
        }
        buffer.moveReaderIndex(forwardBy: Int(length))
        switch decoded {
        case .success(let frame):
            context.fireChannelRead(wrapInboundOut(frame))
            return .continue
        case .failure(let error):
            throw FramingError.malformedFrame(error.description)
        }
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        // A peer that closes mid-frame has sent nothing we can act on.
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
