import Foundation
import Testing

/// Redis for tests: the shared one scripts/test.sh starts (CAREERAI_TEST_REDIS_URL), or a private
/// redis-server this test owns and may kill and restart (its data lost, as after a crash).
public enum TestRedis {
    /// The shared Redis URL; nil (after recording why) when not available. CI=true makes that a failure.
    public static func sharedURL() -> String? {
        if let url = ProcessInfo.processInfo.environment["CAREERAI_TEST_REDIS_URL"], !url.isEmpty { return url }
        let why = "CAREERAI_TEST_REDIS_URL is not set (scripts/test.sh starts Redis)"
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record(Comment(rawValue: why))
        } else {
            print("note: Redis tests skipped: \(why)")
        }
        return nil
    }
}

/// A redis-server of one test's own, on a fixed port it keeps across restarts.
public final class PrivateRedis: @unchecked Sendable {
    // @unchecked: driven by one test at a time.
    public let port: Int
    private var process: Process?

    public var url: String { "redis://127.0.0.1:\(port)/0" }

    /// Nil when redis-server is not installed (outside CI).
    public static func start() async throws -> PrivateRedis? {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-server") else {
            let why = "redis-server is not installed"
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record(Comment(rawValue: why)) }
            return nil
        }
        let redis = PrivateRedis(port: try ClosedPort().port)
        try await redis.startServer()
        return redis
    }

    private init(port: Int) {
        self.port = port
    }

    public func startServer() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
        process.arguments = ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        // Ready when it accepts a connection.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if RawTCP.canConnect(port: port) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw CocoaError(
            .fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "redis-server did not start on \(port)"])
    }

    /// SIGKILL: everything in memory is lost. Waits (without blocking a thread) until the port is free.
    public func kill() async {
        guard let process, process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        let deadline = Date().addingTimeInterval(10)
        while (process.isRunning || RawTCP.canConnect(port: port)) && Date() < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        self.process = nil
    }

    deinit {
        if let process, process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }
}

enum RawTCP {
    static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
