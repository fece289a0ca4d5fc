import CareerAIProtoC

/// A Swift value type for one protobuf message of `Proto/`, encoded and decoded by protobuf-c.
///
/// Adding a message: declare it in `Proto/` and run `scripts/generate-proto.sh`, which writes the
/// struct, its `wireSchema` (fields by number) and its place in the registry the codec tests cover.
public protocol WireMessage: Sendable, Equatable {
    init()
    static var wireSchema: WireSchema<Self> { get }
}

extension WireMessage {
    /// The message's protobuf bytes.
    public func wireEncoded() throws(WireError) -> [UInt8] {
        try withWireEncoding { encoding in
            [UInt8](unsafeUninitializedCapacity: encoding.byteCount) { buffer, count in
                encoding.write(to: UnsafeMutableRawBufferPointer(buffer))
                count = encoding.byteCount
            }
        }
    }

    /// Builds the C message, lets `body` size it and pack it wherever it likes (e.g. straight into a
    /// socket buffer), then frees every C allocation made for it.
    public func withWireEncoding<R>(
        allocator: UnsafeMutablePointer<ProtobufCAllocator>? = nil,
        _ body: (WireEncoding) throws(WireError) -> R
    ) throws(WireError) -> R {
        let arena = WireArena(allocator: allocator)
        defer { arena.freeAll() }
        let cMessage = try Self.wireSchema.makeCMessage(from: self, in: arena)
        let encoding = WireEncoding(
            cMessage: cMessage,
            byteCount: protobuf_c_message_get_packed_size(cMessage)
        )
        return try body(encoding)
    }

    /// Decodes protobuf bytes. Truncated or garbage input throws `WireError`, never traps.
    public init(
        wireBytes: UnsafeRawBufferPointer,
        allocator: UnsafeMutablePointer<ProtobufCAllocator>? = nil
    ) throws(WireError) {
        self = try Self.wireSchema.decode(wireBytes, allocator: allocator)
    }

    public init(wireBytes: [UInt8]) throws(WireError) {
        // withUnsafeBytes is not typed-throws; carry the typed error out in a Result.
        let decoded = wireBytes.withUnsafeBytes { bytes in
            Result { () throws(WireError) in try Self.wireSchema.decode(bytes, allocator: nil) }
        }
        self = try decoded.get()
    }
}

/// A C message whose packed size is known. Valid only inside `withWireEncoding`: the arena that
/// owns the C message is freed when that closure returns, so never keep one.
public struct WireEncoding {
    let cMessage: UnsafePointer<ProtobufCMessage>
    public let byteCount: Int

    /// Packs the message into `destination`, which must hold at least `byteCount` bytes.
    public func write(to destination: UnsafeMutableRawBufferPointer) {
        precondition(destination.count >= byteCount, "pack destination smaller than the packed size")
        guard byteCount > 0, let base = destination.baseAddress else { return }
        let written = protobuf_c_message_pack(
            cMessage, base.assumingMemoryBound(to: UInt8.self))
        assert(written == byteCount, "protobuf-c packed a size other than it measured")
    }
}
