import Foundation
import Logging
import Storage
import Testing

/// The engines every storage test runs on.
public enum Engine: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite, postgres
    public var description: String { rawValue }
}

/// A fresh, empty database of one engine for one test, removed afterwards.
/// PostgreSQL comes from CAREERAI_TEST_POSTGRES_URL (scripts/test.sh starts one); with CI=true a
/// missing one fails the test instead of skipping it.
public struct TestDatabase: Sendable {
    public let database: any SQLDatabase
    public let url: String
    private let cleanup: @Sendable () async -> Void

    public static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    public static var postgresAdminURL: String? { ProcessInfo.processInfo.environment["CAREERAI_TEST_POSTGRES_URL"] }

    /// Nil (after recording why) when the engine is not available here.
    public static func make(_ engine: Engine) async throws -> TestDatabase? {
        switch engine {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "careerai-db-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let url = "sqlite:\(directory.appendingPathComponent("test.db").path)"
            let database = try DatabaseFactory.open(url: url, logger: logger)
            return TestDatabase(database: database, url: url) {
                await database.close()
                try? FileManager.default.removeItem(at: directory)
            }
        case .postgres:
            guard let adminURL = postgresAdminURL else {
                if ProcessInfo.processInfo.environment["CI"] == "true" {
                    Issue.record(
                        "CAREERAI_TEST_POSTGRES_URL is not set: CI must test on PostgreSQL (run scripts/test.sh)")
                } else {
                    print(
                        "note: PostgreSQL tests skipped: CAREERAI_TEST_POSTGRES_URL is not set (scripts/test.sh sets it)"
                    )
                }
                return nil
            }
            let name =
                "careerai_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
            let admin = PostgresDatabase(url: adminURL, logger: logger)
            _ = try await admin.withConnection { try $0.execute("CREATE DATABASE \(name)") }
            let url = replacingDatabase(in: adminURL, with: String(name))
            let database = try DatabaseFactory.open(url: url, logger: logger)
            return TestDatabase(database: database, url: url) {
                await database.close()
                _ = try? await admin.withConnection { try $0.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
                await admin.close()
            }
        }
    }

    public func close() async { await cleanup() }

    public static func replacingDatabase(in url: String, with name: String) -> String {
        var components = URLComponents(string: url)!
        components.path = "/" + name
        return components.string!
    }
}
