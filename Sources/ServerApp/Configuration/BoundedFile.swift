import Foundation

/// Reads a file named by configuration, at most `maxBytes` + 1 bytes of it, so that a wrong path
/// (a huge file, /dev/zero) gives a clear "too large" instead of exhausting memory.
enum BoundedFile {
    enum Failure: Error { case unreadable, tooLarge }

    static func read(_ path: String, maxBytes: Int) throws(Failure) -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .unreadable }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: maxBytes + 1) else { throw .unreadable }
        guard data.count <= maxBytes else { throw .tooLarge }
        return data
    }
}
