import Foundation
import Testing

/// A PostgreSQL server of the test's own, on a free loopback port, that the test may stop and start
/// (the shared one from scripts/test.sh must not be disturbed). Nil when PostgreSQL is not installed;
/// with CI=true that is recorded as a failure.
public final class PrivatePostgres: @unchecked Sendable {
    // @unchecked: used by one test.
    public let url: String
    private let directory: URL
    private let binDirectory: String
    private let port: Int

    public static func start() async throws -> PrivatePostgres? {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let version = versions.sorted(by: { $0.compare($1, options: .numeric) == .orderedAscending }).last,
            FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\(version)/bin/initdb")
        else {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record(
                    "PostgreSQL server binaries are missing: CI must test on PostgreSQL (scripts/install-deps.sh)")
            }
            return nil
        }
        let server = try PrivatePostgres(binDirectory: "/usr/lib/postgresql/\(version)/bin")
        try await server.initialize()
        try await server.startServer()
        return server
    }

    private init(binDirectory: String) throws {
        self.binDirectory = binDirectory
        directory = URL(fileURLWithPath: "/tmp/careerai-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = Self.freePort()
        url = "postgres://postgres@127.0.0.1:\(port)/postgres"
        if getuid() == 0 {
            // initdb refuses to run as root; the cluster belongs to the postgres user.
            _ = try? Self.run("/bin/chown", ["postgres", directory.path])
        }
    }

    private func initialize() async throws {
        try await asPostgres(
            "\(binDirectory)/initdb", ["-D", "\(directory.path)/data", "-A", "trust", "-U", "postgres", "--no-sync"])
    }

    /// Starts (or restarts) the server and waits until it accepts connections.
    public func startServer() async throws {
        try await asPostgres(
            "\(binDirectory)/pg_ctl",
            [
                "-D", "\(directory.path)/data", "-l", "\(directory.path)/log", "-w", "-t", "30",
                "-o", "-c listen_addresses=127.0.0.1 -p \(port) -k \(directory.path) -c fsync=off", "start",
            ])
    }

    /// Stops the server at once, as a crash would.
    public func stopServer() async throws {
        try await asPostgres(
            "\(binDirectory)/pg_ctl", ["-D", "\(directory.path)/data", "-m", "immediate", "-w", "stop"])
    }

    deinit {
        _ = try? Self.run(
            getuid() == 0 ? "/sbin/runuser" : "\(binDirectory)/pg_ctl",
            getuid() == 0
                ? [
                    "-u", "postgres", "--", "\(binDirectory)/pg_ctl", "-D", "\(directory.path)/data", "-m", "immediate",
                    "stop",
                ]
                : ["-D", "\(directory.path)/data", "-m", "immediate", "stop"])
        try? FileManager.default.removeItem(at: directory)
    }

    private func asPostgres(_ tool: String, _ arguments: [String]) async throws {
        let (path, args) =
            getuid() == 0 ? ("/sbin/runuser", ["-u", "postgres", "--", tool] + arguments) : (tool, arguments)
        let status = try Self.run(path, args)
        guard status == 0 else {
            let log = (try? String(contentsOf: directory.appendingPathComponent("log"), encoding: .utf8)) ?? ""
            throw PrivatePostgresError("\(tool) exited \(status)\n\(log)")
        }
    }

    /// Runs a command to completion with its output discarded. posix_spawn and waitpid rather than
    /// Foundation's Process: its waitUntilExit missed the exit of `pg_ctl start`, whose server lives on.
    @discardableResult
    private static func run(_ path: String, _ arguments: [String]) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw PrivatePostgresError("cannot run \(path): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    private static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length)
                getsockname(fd, pointer, &length)
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

public struct PrivatePostgresError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
