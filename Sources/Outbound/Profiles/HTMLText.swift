/// HTML reduced to readable text: scripts, styles and comments dropped, tags removed (block tags
/// become line breaks), the common entities decoded, white space collapsed. Linear in the input.
enum HTMLText {
    static let blockTags: Set<String> = [
        "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "section",
        "article", "header", "footer", "table", "dd", "dt",
    ]

    static func text(of html: String) -> String {
        var out = ""
        var scalars = Array(html.unicodeScalars)[...]
        var skipUntil: String?
        while let scalar = scalars.first {
            if scalar == "<" {
                guard let close = scalars.firstIndex(of: ">") else { break }
                let inside = String(String.UnicodeScalarView(scalars[scalars.index(after: scalars.startIndex)..<close]))
                scalars = scalars[scalars.index(after: close)...]
                if inside.hasPrefix("!--") {
                    // A comment may contain '>': skip to its real end.
                    if !inside.hasSuffix("--") {
                        let rest = String(String.UnicodeScalarView(scalars))
                        if let end = rest.range(of: "-->") {
                            scalars = Array(rest[end.upperBound...].unicodeScalars)[...]
                        } else {
                            scalars = []
                        }
                    }
                    continue
                }
                let name =
                    inside.lowercased().split(whereSeparator: { $0 == " " || $0 == "/" || $0 == "\n" || $0 == "\t" })
                    .first.map(String.init) ?? ""
                let closing = inside.hasPrefix("/")
                let tag = closing ? String(inside.dropFirst()).lowercased().trimmingCharacters() : name
                if let waiting = skipUntil {
                    if closing && tag == waiting { skipUntil = nil }
                    continue
                }
                if !closing && (name == "script" || name == "style" || name == "noscript") {
                    skipUntil = name
                    continue
                }
                if blockTags.contains(tag) { out += "\n" }
                continue
            }
            scalars = scalars.dropFirst()
            if skipUntil != nil { continue }
            out.unicodeScalars.append(scalar)
        }
        return collapse(decodeEntities(out))
    }

    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacingAll([
            ("&nbsp;", " "), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&apos;", "'"),
            ("&amp;", "&"),
        ])
    }

    /// Runs of spaces become one; more than one blank line becomes one.
    static func collapse(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: true).map { line in
            line.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        }.filter { !$0.isEmpty }.joined(separator: "\n")
    }
}

extension String {
    fileprivate func trimmingCharacters() -> String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }

    fileprivate func replacingAll(_ pairs: [(String, String)]) -> String {
        var result = self
        for (from, to) in pairs {
            result = result.split(separator: from, omittingEmptySubsequences: false).joined(separator: to)
        }
        return result
    }
}
