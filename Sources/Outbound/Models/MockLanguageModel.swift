import Domain
import Foundation

/// MOCK=1: a model that answers every tool with fixture JSON in the tool's schema, built from the
/// request's own texts (Job Pack bullets quote the resume, so they pass the grounding check). The
/// answer goes through the same validation, usage accounting and PDF path as a real one, so the
/// whole product works offline. Tokens are estimated at four characters each.
public struct MockLanguageModel: LanguageModel {
    public init() {}

    public func complete(_ request: ModelRequest) async throws(ModelCallError) -> ModelAnswer {
        let prompt = request.messages.map(\.content).joined(separator: "\n")
        let user = request.messages.last { $0.role == .user }?.content ?? ""
        let content: String
        switch request.schema.name {
        case JobPackTool.schema.name: content = Self.jobPack(user)
        case SkillMapperTool.schema.name: content = Self.skillMap(user)
        case InternshipFinderTool.schema.name: content = Self.internships(user)
        default: content = "{}"
        }
        return ModelAnswer(
            content: content, finish: .stop,
            usage: TokenUsage(
                promptTokens: Int64(prompt.utf8.count / 4 + 1), completionTokens: Int64(content.utf8.count / 4 + 1)))
    }

    /// The text between `<tag>` and `</tag>` in the prompt (trimmed). Searched as bytes: the MOCK
    /// model stands in for a remote one, and its CPU must not be what the end-to-end benchmark
    /// measures (Foundation's string search and trimming were two thirds of a worker's CPU).
    static func tagged(_ tag: String, in text: String) -> String {
        let bytes = Array(text.utf8)
        let open = Array("<\(tag)>".utf8)
        let close = Array("</\(tag)>".utf8)
        guard let start = firstIndex(of: open, in: bytes, from: 0),
            let end = firstIndex(of: close, in: bytes, from: start + open.count)
        else { return "" }
        return trimmed(String(decoding: bytes[(start + open.count)..<end], as: UTF8.self)[...])
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8], from offset: Int) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = offset
        while index <= haystack.count - needle.count {
            if haystack[index] == first && haystack[index..<(index + needle.count)].elementsEqual(needle) {
                return index
            }
            index += 1
        }
        return nil
    }

    /// `text` without leading and trailing whitespace (only its ends are scanned).
    static func trimmed(_ text: Substring) -> String {
        guard let first = text.firstIndex(where: { !$0.isWhitespace }),
            let last = text.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(text[first...last])
    }

    /// Up to `count` passages of the resume: its lines (without bullet marks), else runs of words.
    /// Scanned as bytes (ASCII whitespace and line ends), like `tagged`: splitting a resume into
    /// Characters was most of a worker's CPU in the end-to-end benchmark. Every passage is a run of
    /// the resume's own bytes between ASCII separators, so it stays valid UTF-8.
    static func passages(of resume: String, count: Int) -> [String] {
        let bytes = Array(resume.utf8)
        // Only as many lines as decide the answer: three make it "lines", `count` are returned.
        var lines: [String] = []
        var lineStart = 0
        for end in 0...bytes.count where end == bytes.count || bytes[end] == 0x0A || bytes[end] == 0x0D {
            if let line = linePassage(bytes[lineStart..<end]) { lines.append(line) }
            lineStart = end + 1
            if lines.count >= max(3, count) { break }
        }
        if lines.count >= 3 { return Array(lines.prefix(count)) }
        var words: [ArraySlice<UInt8>] = []
        var wordStart: Int?
        for index in 0...bytes.count {
            if index < bytes.count && !isASCIIWhitespace(bytes[index]) {
                if wordStart == nil { wordStart = index }
            } else if let start = wordStart {
                words.append(bytes[start..<index])
                wordStart = nil
            }
        }
        let size = max(3, words.count / 3)
        var result: [String] = []
        for first in stride(from: 0, to: words.count, by: size) where result.count < count {
            let run = Array(words[first..<min(first + size, words.count)].joined(separator: [UInt8(ascii: " ")]))
            if scalarCount(run[...]) >= minimumPassageScalars { result.append(String(decoding: run, as: UTF8.self)) }
        }
        return result
    }

    private static let minimumPassageScalars = 12
    /// `-`, `*`, `•` (E2 80 A2) and `·` (C2 B7): the marks a bullet line may start with.
    private static let bulletMarks: [[UInt8]] = [[0x2D], [0x2A], [0xE2, 0x80, 0xA2], [0xC2, 0xB7]]

    /// A line without its surrounding whitespace and leading bullet marks, if it is long enough.
    private static func linePassage(_ line: ArraySlice<UInt8>) -> String? {
        var text = line.drop(while: isASCIIWhitespace)
        while let last = text.last, isASCIIWhitespace(last) { text = text.dropLast() }
        while true {
            if let first = text.first, first == UInt8(ascii: " ") {
                text = text.dropFirst()
            } else if let mark = bulletMarks.first(where: { text.starts(with: $0) }) {
                text = text.dropFirst(mark.count)
            } else {
                break
            }
        }
        guard scalarCount(text) >= minimumPassageScalars else { return nil }
        return String(decoding: text, as: UTF8.self)
    }

    private static func isASCIIWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    /// Unicode scalars in UTF-8 bytes: every byte that is not a continuation byte starts one.
    private static func scalarCount(_ bytes: ArraySlice<UInt8>) -> Int {
        bytes.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
    }

    static func encode(_ object: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func jobPack(_ prompt: String) -> String {
        let title = tagged("job_title", in: prompt)
        let company = tagged("company", in: prompt)
        let bullets = passages(of: tagged("resume", in: prompt), count: 5).map { passage -> [String: Any] in
            [
                "source_text": passage, "rewritten": "\(passage) (relevant to the \(title) role)",
                "keywords_used": [title],
            ]
        }
        let questions = (1...5).map { index -> [String: Any] in
            [
                "question": [
                    "Why do you want to work at \(company)?", "Tell us about a project you are proud of.",
                    "How do you learn a new tool quickly?", "Describe a time you worked to a deadline.",
                    "What would your first month as \(title) look like?",
                ][index - 1],
                "why_asked": "Interviewers for \(title) roles ask this to see how you think.",
                "answer_hint": "Answer with one concrete example from your resume.",
            ]
        }
        return encode([
            "summary": "You are a good match for the \(title) role at \(company) on the evidence of your resume.",
            "keywords": ["required": [title], "preferred": ["teamwork"]],
            "resume_bullets": bullets,
            "cover_letter": [
                "greeting": "Dear \(company) hiring team,",
                "paragraphs": [
                    "I am applying for the \(title) position at \(company).",
                    "My studies and projects have prepared me for this work.",
                    "I would welcome the chance to talk about how I can help \(company).",
                ],
                "closing": "Kind regards,",
            ],
            "interview_questions": questions,
            "gaps": [],
            "warnings": ["MOCK=1: this Job Pack was written by the offline fixture, not a model."],
        ])
    }

    static func skillMap(_ prompt: String) -> String {
        let evidence =
            passages(of: tagged("resume", in: prompt) + "\n" + tagged("profile", in: prompt), count: 1)
            .first ?? "your profile"
        // The answer is fixed but for its evidence: encoded once, the evidence spliced in quoted.
        return skillMapTemplate.joined(separator: JSONSchema.quoted(evidence))
    }

    private static let evidenceMarker = "@@evidence@@"
    /// The Skill Mapper answer in two pieces around its (twice repeated) evidence string.
    private static let skillMapTemplate: [String] = {
        let json = encode([
            "skills": [
                ["name": "Communication", "category": "soft", "level": "intermediate", "evidence": evidenceMarker],
                ["name": "Problem solving", "category": "soft", "level": "intermediate", "evidence": evidenceMarker],
            ],
            "target_roles": ["Graduate analyst"],
            "gaps": [["skill": "SQL", "why": "Most analyst roles ask for it.", "priority": "high"]],
            "learning_plan": [
                ["week": 1, "focus": "SQL basics", "activities": ["Finish an SQL tutorial"], "resources": ["SQLBolt"]],
                [
                    "week": 2, "focus": "A small project", "activities": ["Analyse a public dataset"],
                    "resources": ["Kaggle datasets"],
                ],
            ],
        ])
        return json.components(separatedBy: JSONSchema.quoted(evidenceMarker))
    }()

    static func internships(_ prompt: String) -> String {
        let interests = tagged("interests", in: prompt).split(separator: ";").map {
            $0.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
        let skills = tagged("skills", in: prompt).split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        let fields = (interests + ["Operations", "Research", "Product"]).prefix(3)
        let suggestions = fields.map { field -> [String: Any] in
            [
                "title": "\(field) intern", "field": field,
                "why_fit": "It matches your interest in \(field.lowercased()).",
                "search_keywords": ["\(field) internship", "\(field) summer intern"],
                "skills_to_highlight": Array(skills.prefix(3)),
            ]
        }
        return encode(["suggestions": suggestions])
    }
}
