import Foundation

/// Reads a file someone named (configuration, a command-line option), at most `maxBytes` + 1 bytes
/// of it, so that a wrong path (a huge file, /dev/zero) gives a clear "too large" instead of
/// exhausting memory. Shared by the server's configuration and the CLI.
public enum BoundedFile {
    public enum Failure: Error, Equatable { case unreadable, tooLarge, notUTF8 }

    public static func read(_ path: String, maxBytes: Int) throws(Failure) -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .unreadable }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: maxBytes + 1) else { throw .unreadable }
        guard data.count <= maxBytes else { throw .tooLarge }
        return data
    }

    /// The file as UTF-8 text; `notUTF8` for anything else (a PDF or a Word file), which decoding
    /// with replacement characters would turn silently into garbage.
    public static func text(_ path: String, maxBytes: Int) throws(Failure) -> String {
        let data = try read(path, maxBytes: maxBytes)
        guard let text = String(data: data, encoding: .utf8) else { throw .notUTF8 }
        return text
    }
}
