import BoundedIO
import Foundation
import Logging
import Storage
import Testing

@testable import ServerApp

@Suite("Secrets and tokens on disk: created 0600 by open(2), refused when others can read them")
struct PrivateFileTests {
    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("private-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    @Test("the development secret is made 0600 (even under umask 0), read back, and refused once others may read it")
    func developmentSecret() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("careerai.secret").path
        let configuration = try ServerConfiguration.load(from: ["CAREERAI_SECRET_FILE": path])
        let logger = Logger(label: "test")
        let previous = umask(0)
        defer { umask(previous) }
        _ = try ServerRuntime.loadSecret(configuration, logger: logger)
        #expect(try Self.mode(path) == 0o600)
        let written = try String(contentsOfFile: path, encoding: .utf8)
        _ = try ServerRuntime.loadSecret(configuration, logger: logger)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == written, "read back, not made again")
        chmod(path, 0o644)
        #expect {
            _ = try ServerRuntime.loadSecret(configuration, logger: logger)
        } throws: { error in
            "\(error)".contains("may be read by others (mode 644)")
        }
    }

    @Test("a new SQLite database and its WAL files are 0600 even under umask 0; an existing file keeps its mode")
    func sqliteDatabase() async throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("careerai.db").path
        let previous = umask(0)
        defer { umask(previous) }
        let database = try DatabaseFactory.open(url: "sqlite:\(path)", logger: Logger(label: "test"))
        try await database.transaction { try $0.execute("CREATE TABLE t (x INTEGER)") }
        #expect(try Self.mode(path) == 0o600)
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            #expect(try Self.mode(path + suffix) == 0o600, "\(suffix)")
        }
        await database.close()
    }

    @Test("PrivateFile never follows a link, never overwrites by create, and replaces atomically")
    func privateFile() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("target").path
        let link = directory.appendingPathComponent("link").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect(throws: PrivateFile.Failure.self) { try PrivateFile.create(link, Data("x".utf8)) }
        #expect(!FileManager.default.fileExists(atPath: target), "nothing was written through the link")
        let file = directory.appendingPathComponent("credentials").path
        try PrivateFile.create(file, Data("one".utf8))
        #expect(throws: PrivateFile.Failure.self) { try PrivateFile.create(file, Data("two".utf8)) }
        try PrivateFile.replace(file, Data("two".utf8))
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "two" && (try Self.mode(file)) == 0o600)
        #expect(PrivateFile.problem(with: file) == nil)
        #expect(PrivateFile.problem(with: link) != nil)
    }
}
