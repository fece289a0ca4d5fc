import Domain
import Foundation
import Testing

/// `JSONSchema.quoted` writes the string literals of model request bodies: RFC 8259's escapes, byte
/// by byte, and nothing else changed.
@Suite("JSON string literals")
struct JSONQuotingTests {
    @Test("Quotes, backslashes and every control character are escaped; a parser reads the text back")
    func escapes() throws {
        #expect(JSONSchema.quoted("") == #""""#)
        #expect(JSONSchema.quoted(#"a"b\c/d"#) == #""a\"b\\c/d""#)
        #expect(JSONSchema.quoted("\n\r\t\u{8}\u{C}") == #""\n\r\t\b\f""#)
        #expect(JSONSchema.quoted("\u{0}\u{1F}") == #""\u0000\u001f""#)
        let controls = String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self)
        for text in [controls, "Ünïcødé — 日本語 🎓 \u{2028}", String(repeating: "x\"\\", count: 1_000)] {
            let literal = JSONSchema.quoted(text)
            let parsed = try JSONSerialization.jsonObject(with: Data("[\(literal)]".utf8)) as? [String]
            #expect(parsed == [text])
        }
    }
}
