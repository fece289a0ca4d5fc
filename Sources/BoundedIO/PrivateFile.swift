import Foundation

/// Files only their owner may read (secrets, session tokens): created with mode 0600 by `open`
/// itself (O_CREAT|O_EXCL|O_NOFOLLOW), so no moment exists in which another user could read them —
/// Foundation's createFile writes first and changes the mode after.
public enum PrivateFile {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Writes `data` to a new file at `path`; fails when anything is there already (no symlink is followed).
    public static func create(_ path: String, _ data: Data) throws(Failure) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw Failure(description: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let written = data.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == data.count, fsync(descriptor) == 0 else {
            unlink(path)
            throw Failure(description: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Replaces the file at `path` with `data`: a private temporary beside it, renamed over it
    /// (never half-written, never readable by others).
    public static func replace(_ path: String, _ data: Data) throws(Failure) {
        let temporary = "\(path).\(getpid()).\(UInt32.random(in: 0 ... .max)).tmp"
        try create(temporary, data)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw Failure(description: "cannot replace \(path): \(reason)")
        }
    }

    /// Nil when `path` is a regular file of this user that nobody else may read or write; else why not.
    public static func problem(with path: String) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return "cannot stat \(path): \(String(cString: strerror(errno)))" }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return "\(path) is not a regular file" }
        guard info.st_uid == getuid() else { return "\(path) belongs to another user" }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            return "\(path) may be read by others (mode \(String(mode, radix: 8))); chmod 600 \(path)"
        }
        return nil
    }
}
