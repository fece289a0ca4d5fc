import Foundation
import TestSupport
import Testing

/// Passwords in connection URLs never reach an error line or the log.
@Suite("URL passwords stay out of errors and logs")
struct SecretURLTests {
    @Test(
        "a server refused for a bad database, Redis or SMTP URL names the variable but never the password",
        arguments: [
            ("CAREERAI_DATABASE_URL", "postgres://careerai:hunter2-pg@127.0.0.1:1/careerai"),  // unreachable
            ("CAREERAI_DATABASE_URL", "postgres://careerai:hunter2-pg@"),  // malformed
            ("CAREERAI_REDIS_URL", "redis://:hunter2-redis@127.0.0.1:6379/99"),  // no such database
            ("CAREERAI_REDIS_URL", "redis://:hunter2-redis@"),  // no host
            ("CAREERAI_SMTP_URL", "smtp://mailer:hunter2-smtp@127.0.0.1:1?starttls=maybe"),
        ])
    func refusedURLs(_ variable: String, _ url: String) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("urls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var environment = [
            "CAREERAI_RPC_ADDR": "127.0.0.1:0", "CAREERAI_MAIL_FROM": "no-reply@careerai.test",
            "CAREERAI_DATABASE_URL": "sqlite:\(directory.appendingPathComponent("careerai.db").path)",
        ]
        environment[variable] = url
        let result = try await Executables.run(
            "careerai-server", ["serve"], environment: environment, timeoutSeconds: 30)
        #expect(result.status != 0, "\(variable)=\(url) was accepted")
        #expect(result.stderr.contains(variable) || result.stderr.contains("database"), "\(result.stderr)")
        #expect(!result.stderr.contains("hunter2") && !result.stdout.contains("hunter2"), "\(result.stderr)")
    }
}
