import BoundedIO
import Foundation

/// Session tokens the CLI keeps, one per server and tenant, in `$XDG_CONFIG_HOME/careerai/credentials`
/// (else `~/.config/careerai/credentials`): JSON, mode 0600 in a 0700 directory, replaced atomically.
struct CredentialStore {
    struct Entry: Codable, Equatable {
        var token: String
        var expiresAtUnix: Int64
        var email: String
    }

    private struct File: Codable {
        var sessions: [String: Entry] = [:]
    }

    let path: URL
    /// Thousands of sessions; a larger file is not ours and is not read.
    static let maxFileBytes = 1 << 20

    static func `default`() -> CredentialStore {
        let environment = ProcessInfo.processInfo.environment
        let base: URL
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty {
            base = URL(fileURLWithPath: xdg)
        } else {
            base = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".config")
        }
        return CredentialStore(path: base.appendingPathComponent("careerai").appendingPathComponent("credentials"))
    }

    static func key(server: String, tenant: String) -> String { "\(server)|\(tenant)" }

    /// The live entry for this server and tenant; nil when none or expired.
    func entry(server: String, tenant: String) -> Entry? {
        guard let entry = load().sessions[Self.key(server: server, tenant: tenant)],
            entry.expiresAtUnix > Int64(Date().timeIntervalSince1970)
        else { return nil }
        return entry
    }

    func save(_ entry: Entry, server: String, tenant: String) throws {
        var file = load()
        file.sessions[Self.key(server: server, tenant: tenant)] = entry
        try write(file)
    }

    /// True when there was an entry to remove.
    @discardableResult
    func remove(server: String, tenant: String) throws -> Bool {
        var file = load()
        guard file.sessions.removeValue(forKey: Self.key(server: server, tenant: tenant)) != nil else { return false }
        try write(file)
        return true
    }

    private func load() -> File {
        guard let data = try? BoundedFile.read(path.path, maxBytes: Self.maxFileBytes),
            let file = try? JSONDecoder().decode(File.self, from: data)
        else { return File() }
        return file
    }

    private func write(_ file: File) throws {
        let directory = path.deletingLastPathComponent()
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(file)
        // Created 0600 by open(2) before any byte is written, then renamed over the old file:
        // never readable by others, never half-written.
        do {
            try PrivateFile.replace(path.path, data)
        } catch {
            throw CLIError("\(error)")
        }
    }
}
