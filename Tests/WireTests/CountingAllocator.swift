import CareerAIProtoC
import Foundation

/// A protobuf-c allocator that counts live blocks, to prove that every C allocation is freed.
final class CountingAllocator {
    struct Counts {
        var live = 0
        var total = 0
    }

    let counts = UnsafeMutablePointer<Counts>.allocate(capacity: 1)
    let allocator = UnsafeMutablePointer<ProtobufCAllocator>.allocate(capacity: 1)

    init() {
        counts.initialize(to: Counts())
        allocator.initialize(
            to: ProtobufCAllocator(
                alloc: { data, size in
                    let counts = data!.assumingMemoryBound(to: Counts.self)
                    counts.pointee.live += 1
                    counts.pointee.total += 1
                    return malloc(size)
                },
                free: { data, block in
                    guard let block else { return }
                    data!.assumingMemoryBound(to: Counts.self).pointee.live -= 1
                    Foundation.free(block)
                },
                allocator_data: UnsafeMutableRawPointer(counts)
            ))
    }

    var live: Int { counts.pointee.live }
    var total: Int { counts.pointee.total }

    deinit {
        counts.deallocate()
        allocator.deallocate()
    }
}
