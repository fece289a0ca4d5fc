import CareerAIProtoC

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Owns every C allocation made while building one message for packing, and frees them together.
///
/// Encoding builds a temporary C struct tree (strings, byte copies, nested messages, map entries);
/// an arena makes "everything is freed" structural instead of a matter of care in each field type.
final class WireArena {
    private let allocator: UnsafeMutablePointer<ProtobufCAllocator>?
    private var blocks: [UnsafeMutableRawPointer] = []

    init(allocator: UnsafeMutablePointer<ProtobufCAllocator>?) {
        self.allocator = allocator
        blocks.reserveCapacity(8)
    }

    func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        let size = max(byteCount, 1)
        let block: UnsafeMutableRawPointer?
        if let allocator {
            block = allocator.pointee.alloc(allocator.pointee.allocator_data, size)
        } else {
            block = malloc(size)
        }
        guard let block else { fatalError("out of memory allocating \(size) bytes for a protobuf message") }
        blocks.append(block)
        return block
    }

    /// A NUL-terminated copy of `string`'s UTF-8 bytes.
    func cString(_ string: String) -> UnsafeMutablePointer<CChar> {
        var string = string
        return string.withUTF8 { utf8 in
            let block = allocate(byteCount: utf8.count + 1)
            if let source = utf8.baseAddress, utf8.count > 0 {
                block.copyMemory(from: source, byteCount: utf8.count)
            }
            block.storeBytes(of: 0, toByteOffset: utf8.count, as: UInt8.self)
            return block.assumingMemoryBound(to: CChar.self)
        }
    }

    func bytes(_ bytes: [UInt8]) -> ProtobufCBinaryData {
        guard !bytes.isEmpty else { return ProtobufCBinaryData(len: 0, data: nil) }
        let block = allocate(byteCount: bytes.count)
        bytes.withUnsafeBytes { block.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        return ProtobufCBinaryData(len: bytes.count, data: block.assumingMemoryBound(to: UInt8.self))
    }

    /// A zeroed, `message_init`-ed C message of the descriptor's type.
    func message(_ descriptor: UnsafePointer<ProtobufCMessageDescriptor>) -> UnsafeMutableRawPointer {
        let block = allocate(byteCount: descriptor.pointee.sizeof_message)
        block.initializeMemory(as: UInt8.self, repeating: 0, count: descriptor.pointee.sizeof_message)
        protobuf_c_message_init(descriptor, block)
        return block
    }

    func pointerArray(count: Int) -> UnsafeMutablePointer<UnsafeMutableRawPointer?> {
        let block = allocate(byteCount: count * MemoryLayout<UnsafeMutableRawPointer?>.stride)
        return block.bindMemory(to: UnsafeMutableRawPointer?.self, capacity: count)
    }

    func freeAll() {
        for block in blocks {
            if let allocator {
                allocator.pointee.free(allocator.pointee.allocator_data, block)
            } else {
                free(block)
            }
        }
        blocks.removeAll(keepingCapacity: false)
    }
}
