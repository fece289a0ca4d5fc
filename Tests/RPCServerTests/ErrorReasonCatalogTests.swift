import ErrorReasons
import Foundation
import Testing

@Suite("The reasons catalog and docs/PROTOCOL.md")
struct ErrorReasonCatalogTests {
    /// The reasons of docs/PROTOCOL.md's "## Reasons" table (its first column), in order.
    static func documentedReasons() throws -> [String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/PROTOCOL.md"), encoding: .utf8)
        guard let start = text.range(of: "\n## Reasons\n") else {
            throw CatalogTestError("docs/PROTOCOL.md has no '## Reasons' section")
        }
        let section = text[start.upperBound...].prefix { _ in true }
        var reasons: [String] = []
        for line in section.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## ") { break }
            guard line.hasPrefix("| `") else { continue }
            let cell = line.dropFirst(3).prefix { $0 != "`" }
            reasons.append(String(cell))
        }
        return reasons
    }

    @Test("every reason in the catalog is documented, and every documented reason is in the catalog, once")
    func catalogMatchesDocs() throws {
        let documented = try Self.documentedReasons()
        let catalog = ErrorReason.catalog.map(\.rawValue)
        #expect(documented.count >= 60, "the table was not found whole")
        #expect(
            Set(catalog).subtracting(documented).sorted() == [], "in Sources/ErrorReasons but not in docs/PROTOCOL.md")
        #expect(
            Set(documented).subtracting(catalog).sorted() == [], "in docs/PROTOCOL.md but not in Sources/ErrorReasons")
        #expect(catalog.count == Set(catalog).count, "a reason is listed in two areas")
        #expect(documented.count == Set(documented).count, "a reason is documented twice")
    }

    @Test("reasons are UPPER_SNAKE")
    func shape() {
        for reason in ErrorReason.catalog {
            #expect(
                reason.rawValue.allSatisfy { $0.isUppercase || $0.isNumber || $0 == "_" }
                    && reason.rawValue.first!.isLetter,
                "\(reason)")
        }
    }
}

struct CatalogTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
