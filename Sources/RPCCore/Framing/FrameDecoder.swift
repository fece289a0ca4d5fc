import NIOCore
import Wire

/// A decoded frame, with how many metadata entries it carried on the wire: past the decoder's
/// `maxMetadataEntries` they are dropped before decoding (`frame.metadata` is then empty), so that
/// the receiver can refuse the call without the entries ever having been allocated.
public struct ReceivedFrame: Sendable {
    public var frame: Frame
    public var metadataEntries: Int

    public init(frame: Frame, metadataEntries: Int) {
        self.frame = frame
        self.metadataEntries = metadataEntries
    }
}

/// Bytes → `Frame`: a big-endian uint32 length `L` (1 ≤ L ≤ maxFrameBytes), then `L` bytes of protobuf.
public struct FrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ReceivedFrame
    static let lengthPrefixBytes = 4
    /// `Frame.metadata`'s field number.
    static let metadataField: UInt32 = 4

    public let maxFrameBytes: Int
    public let maxMetadataEntries: Int

    public init(maxFrameBytes: Int, maxMetadataEntries: Int = .max) {
        precondition(maxFrameBytes > 0 && maxFrameBytes <= Int(UInt32.max), "maxFrameBytes out of range")
        precondition(maxMetadataEntries >= 0)
        self.maxFrameBytes = maxFrameBytes
        self.maxMetadataEntries = maxMetadataEntries
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
        let limit = maxMetadataEntries
        let decoded = buffer.withUnsafeReadableBytes { all in
            Result { () throws(WireError) -> ReceivedFrame in
                let bytes = UnsafeRawBufferPointer(rebasing: all[0..<Int(length)])
                guard limit < Int.max else {
                    let frame = try Frame(wireBytes: bytes)
                    return ReceivedFrame(frame: frame, metadataEntries: frame.metadata.count)
                }
                guard let entries = WireFieldCounter.count(Self.metadataField, in: bytes) else {
                    throw WireError.malformed(message: Frame.wireSchema.protoName)
                }
                guard entries > limit else {
                    return ReceivedFrame(frame: try Frame(wireBytes: bytes), metadataEntries: entries)
                }
                guard let stripped = WireFieldCounter.removing(Self.metadataField, from: bytes) else {
                    throw WireError.malformed(message: Frame.wireSchema.protoName)
                }
                return ReceivedFrame(frame: try Frame(wireBytes: stripped), metadataEntries: entries)
            }
        }
        buffer.moveReaderIndex(forwardBy: Int(length))
        switch decoded {
        case .success(let received):
            context.fireChannelRead(wrapInboundOut(received))
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
