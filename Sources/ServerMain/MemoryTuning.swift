import CMallocTuning

/// glibc's allocator hands freed memory at the top of a thread's heap back to the kernel as soon as
/// more than 128 KiB is free, and takes it back with page faults on the next allocation. The
/// database thread frees and allocates that much for every transaction, so under load it spent a
/// fifth of its time in madvise and page faults (perf, `careerai-bench runs`). Now up to this much
/// free memory per heap stays with the process instead (under the benchmark the server's resident
/// memory stayed ≈43 MiB).
enum MemoryTuning {
    static let trimThresholdBytes: Int32 = 64 << 20

    static func apply() {
        _ = careerai_set_malloc_trim_threshold(trimThresholdBytes)
    }
}
