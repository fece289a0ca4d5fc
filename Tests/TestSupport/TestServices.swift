import Foundation

/// Which outside services this test run has, for `.enabled(if:)` traits: a test that needs one that is
/// missing is reported as skipped, not passed. Under `CI=true` every service counts as present, so a
/// missing one fails the test that needs it (its helper records why) instead of skipping it.
public enum TestServices {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }
    public static var isCI: Bool { environment["CI"] == "true" }

    /// A PostgreSQL server to make test databases on (CAREERAI_TEST_POSTGRES_URL).
    public static var postgres: Bool { isCI || !(environment["CAREERAI_TEST_POSTGRES_URL"] ?? "").isEmpty }
    /// PostgreSQL's server binaries, for tests that start and stop a cluster of their own.
    public static var postgresBinaries: Bool {
        isCI
            || ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).contains {
                FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/initdb")
            }
    }
    /// The shared Redis (CAREERAI_TEST_REDIS_URL).
    public static var redis: Bool { isCI || !(environment["CAREERAI_TEST_REDIS_URL"] ?? "").isEmpty }
    /// redis-server, for tests that start and kill one of their own.
    public static var redisServer: Bool {
        isCI || FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-server")
    }
    /// Python with aiosmtpd, the SMTP server sign-in mails go to.
    public static var smtp: Bool {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let python =
            environment["CAREERAI_TEST_PYTHON"] ?? root.appendingPathComponent(".build/interop-venv/bin/python").path
        return isCI || FileManager.default.isExecutableFile(atPath: python)
    }
}

extension Engine {
    /// The engines this run can test on: PostgreSQL only where there is one (always under CI=true).
    public static var testable: [Engine] { TestServices.postgres ? allCases : [.sqlite] }
}
