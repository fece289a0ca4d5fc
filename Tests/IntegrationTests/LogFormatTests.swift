import Testing

@testable import ServerApp

@Suite("logfmt values")
struct LogFormatTests {
    static func formatted(_ value: String) -> String {
        var line = ""
        LogfmtLogHandler.appendQuoted(value, to: &line)
        return line
    }

    @Test("plain values stay bare; every control character is escaped, so a value cannot forge a line")
    func escaping() {
        #expect(Self.formatted("abc-123") == "abc-123")
        #expect(Self.formatted("") == "\"\"")
        #expect(Self.formatted("a b") == "\"a b\"")
        #expect(Self.formatted("x\nts=2026 level=error msg=forged") == "\"x\\nts=2026 level=error msg=forged\"")
        #expect(Self.formatted("q\"\\") == "\"q\\\"\\\\\"")
        #expect(Self.formatted("tab\there") == "\"tab\\there\"")
        #expect(
            Self.formatted("bell\u{07}esc\u{1B}[31mdel\u{7F}c1\u{85}ls\u{2028}")
                == "\"bell\\u{7}esc\\u{1b}[31mdel\\u{7f}c1\\u{85}ls\\u{2028}\"")
        #expect(Self.formatted("café") == "\"café\"")
        for scalar in (0..<0x20).compactMap(Unicode.Scalar.init) + [Unicode.Scalar(0x7F)!, Unicode.Scalar(0x9F)!] {
            let line = Self.formatted("v" + String(Character(scalar)))
            #expect(
                !line.unicodeScalars.contains { LogfmtLogHandler.isControl($0) }, "U+\(String(scalar.value, radix: 16))"
            )
        }
    }
}
