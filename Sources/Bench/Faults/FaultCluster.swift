import Foundation

/// What the fault suite starts and breaks: its own PostgreSQL cluster (on its defaults: fsync and
/// synchronous_commit on) and Redis on fixed loopback ports, one careerai-server on a fixed port,
/// and the workers. Each part can be killed and started again in place, so clients reconnect to the
/// same address.
final class FaultCluster: @unchecked Sendable {
    // @unchecked: driven by the suite's one fault loop; the students only read `target`.
    let directory: URL
    let binary: String
    let postgresPort: Int
    let redisPort: Int
    let serverPort: Int
    let queue = "faults_\(UUID().uuidString.prefix(8))"
    private let postgresBin: String
    private var postgres: Process?
    private var redis: Process?
    private var server: Process?
    private(set) var workers: [Process?] = []
    private let workerConcurrency: Int

    var target: String { "127.0.0.1:\(serverPort)" }
    var databaseURL: String { "postgres://postgres@127.0.0.1:\(postgresPort)/postgres" }
    var redisURL: String { "redis://127.0.0.1:\(redisPort)/0" }
    var serverLog: URL { directory.appendingPathComponent("server.log") }

    /// Recovery settings short enough for a run to come back within seconds of a fault.
    var environment: [String: String] {
        [
            "CAREERAI_DATABASE_URL": databaseURL, "CAREERAI_REDIS_URL": redisURL, "CAREERAI_QUEUE": queue,
            "CAREERAI_SECRET_FILE": directory.appendingPathComponent("secret").path, "MOCK": "1",
            "CAREERAI_LOG_LEVEL": "notice", "CAREERAI_OTP_MAX_PER_ADDRESS_PER_HOUR": "100000",
            "CAREERAI_VISIBILITY_TIMEOUT_S": "3", "CAREERAI_HEARTBEAT_MS": "500",
            "CAREERAI_SWEEP_INTERVAL_MS": "500", "CAREERAI_REQUEUE_AFTER_S": "3",
        ]
    }

    init(binary: String, workers: Int, workerConcurrency: Int) throws {
        self.binary = binary
        self.workerConcurrency = workerConcurrency
        directory = URL(fileURLWithPath: "/tmp").appendingPathComponent(
            "careerai-faults-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // PostgreSQL runs as its own user when we are root; it must be able to enter the directory.
        chmod(directory.path, 0o755)
        guard let bin = Self.postgresBinDirectory() else {
            throw BenchError(
                "faults: PostgreSQL's server binaries (initdb, pg_ctl) were not found; apt-get install postgresql")
        }
        postgresBin = bin
        (postgresPort, redisPort, serverPort) = (try Self.freePort(), try Self.freePort(), try Self.freePort())
        self.workers = Array(repeating: nil, count: workers)
    }

    // MARK: starting

    func start() async throws {
        let data = directory.appendingPathComponent("pg").path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        if getuid() == 0 { _ = try Self.run("/usr/bin/chown", ["postgres", data]) }
        try asPostgres("initdb", ["-D", "\(data)/data", "-A", "trust", "-U", "postgres", "--no-sync"])
        try await startPostgres()
        try await startRedis()
        try await startServer()
        for index in workers.indices { try startWorker(index) }
    }

    /// The postmaster in the foreground, as our child (through runuser when we are root): a daemon
    /// started by pg_ctl would inherit the descriptor by which Foundation sees a child exit, and
    /// waiting for pg_ctl would never end.
    private func startPostgres() async throws {
        let data = directory.appendingPathComponent("pg").path
        let process = Process()
        let postgresArguments = [
            "\(postgresBin)/postgres", "-D", "\(data)/data", "-c", "listen_addresses=127.0.0.1", "-p",
            "\(postgresPort)", "-k", data, "-c", "max_connections=200",
        ]
        if getuid() == 0 {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            process.arguments = ["-u", "postgres", "--"] + postgresArguments
        } else {
            process.executableURL = URL(fileURLWithPath: postgresArguments[0])
            process.arguments = Array(postgresArguments.dropFirst())
        }
        let logURL = directory.appendingPathComponent("postgres.log")
        try Self.start(process, loggingTo: logURL)
        postgres = process
        // Ready when it accepts a session (it listens before crash recovery ends).
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let (status, _) = try Self.run(
                "\(postgresBin)/pg_isready", ["-q", "-h", "127.0.0.1", "-p", "\(postgresPort)", "-U", "postgres"])
            if status == 0 { return }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchError("faults: PostgreSQL did not start; see \(logURL.path)")
    }

    /// The postmaster's pid, from its pid file (runuser is its parent, not it).
    private func postmasterPID() -> Int32? {
        let file = directory.appendingPathComponent("pg/data/postmaster.pid")
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first.flatMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// SIGQUIT: PostgreSQL's immediate shutdown (no checkpoint; the next start recovers from WAL).
    private func stopPostgresImmediately() {
        if let pid = postmasterPID() { Foundation.kill(pid, SIGQUIT) }
        if let postgres {
            postgres.waitUntilExit()
            ChildProcesses.forget(postgres)
        }
        postgres = nil
    }

    private func startRedis() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.which("redis-server") ?? "/usr/bin/redis-server")
        process.arguments = ["--port", "\(redisPort)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try ChildProcesses.run(process)
        redis = process
        try await Self.waitForPort(redisPort, what: "redis-server")
    }

    private func startServer() async throws {
        let addressFile = directory.appendingPathComponent("address")
        try? FileManager.default.removeItem(at: addressFile)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--address-file", addressFile.path]
        var env = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        env["CAREERAI_RPC_ADDR"] = target
        process.environment = env
        try Self.start(process, loggingTo: serverLog)
        server = process
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOf: addressFile, encoding: .utf8), text.hasSuffix("\n") { return }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchError("faults: careerai-server did not start; see \(serverLog.path)")
    }

    private func startWorker(_ index: Int) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["worker", "--concurrency", "\(workerConcurrency)"]
        var env = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        env["CAREERAI_LOG_LEVEL"] = "warning"
        process.environment = env
        try Self.start(process, loggingTo: directory.appendingPathComponent("worker-\(index).log"))
        workers[index] = process
    }

    // MARK: faults

    /// SIGKILL one worker at its busiest (whatever it holds is reclaimed after the visibility
    /// timeout), and start it again.
    func killWorker(_ index: Int) throws {
        if let process = workers[index] { Self.kill(process) }
        try startWorker(index)
    }

    /// SIGKILL Redis and start it again empty: the stream, its group and every entry are gone.
    func restartRedisWithoutData() async throws {
        if let redis { Self.kill(redis) }
        try await startRedis()
    }

    /// PostgreSQL stopped in immediate mode (no checkpoint: crash recovery at start), then started.
    func restartPostgres() async throws {
        stopPostgresImmediately()
        try await startPostgres()
    }

    /// SIGKILL the server (calls in flight die with their connections), and start it again.
    func killServer() async throws {
        if let server { Self.kill(server) }
        try await startServer()
    }

    /// `careerai-server audit`: exit status and output.
    func audit() throws -> (Int32, String) {
        try Self.run(binary, ["audit"], environment: environment)
    }

    func promote(email: String) throws {
        let (status, output) = try Self.run(
            binary, ["user", "promote", "--email", email, "--role", "university_admin"], environment: environment)
        guard status == 0 else { throw BenchError("faults: user promote failed: \(output)") }
    }

    func stop() {
        if let server, server.isRunning {
            server.terminate()
            server.waitUntilExit()
        }
        for case let worker? in workers where worker.isRunning {
            worker.terminate()
            worker.waitUntilExit()
        }
        if let redis { Self.kill(redis) }
        stopPostgresImmediately()
        [server, redis].compactMap { $0 }.forEach(ChildProcesses.forget)
        workers.compactMap { $0 }.forEach(ChildProcesses.forget)
    }

    func removeFiles() { try? FileManager.default.removeItem(at: directory) }

    // MARK: helpers

    /// Starts `process` with its output appended to `log` (kept across restarts, for the post-mortem).
    private static func start(_ process: Process, loggingTo log: URL) throws {
        if !FileManager.default.fileExists(atPath: log.path) {
            FileManager.default.createFile(atPath: log.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try ChildProcesses.run(process)
    }

    private func asPostgres(_ tool: String, _ arguments: [String]) throws {
        let path = "\(postgresBin)/\(tool)"
        let (status, output) =
            getuid() == 0
            ? try Self.run("/usr/sbin/runuser", ["-u", "postgres", "--", path] + arguments)
            : try Self.run(path, arguments)
        guard status == 0 else { throw BenchError("faults: \(tool) failed (\(status)): \(output)") }
    }

    static func kill(_ process: Process) {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        ChildProcesses.forget(process)
    }

    /// Runs a command to its end; its exit status and its output (stdout and stderr, at most 64 KiB kept).
    @discardableResult
    static func run(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (
        Int32, String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("faults-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try? handle.close()
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        return (process.terminationStatus, String(text.suffix(65_536)))
    }

    static func postgresBinDirectory() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init)
            .sorted()
        for version in versions.reversed()
        where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/pg_ctl") {
            return "\(root)/\(version)/bin"
        }
        return which("pg_ctl").map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }
    }

    static func which(_ name: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// A port nothing listens on now (bound and released: another process could take it, rarely).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket: \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw BenchError("bind: \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func waitForPort(_ port: Int, what: String) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if canConnect(port) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchError("faults: \(what) did not listen on \(port)")
    }

    static func canConnect(_ port: Int) -> Bool {
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
