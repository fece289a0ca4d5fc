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

    /// The text between `<tag>` and `</tag>` in the prompt (trimmed).
    static func tagged(_ tag: String, in text: String) -> String {
        guard let start = text.range(of: "<\(tag)>"),
            let end = text.range(of: "</\(tag)>", range: start.upperBound..<text.endIndex)
        else { return "" }
        return text[start.upperBound..<end.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Up to `count` passages of the resume: its lines (without bullet marks), else runs of words.
    static func passages(of resume: String, count: Int) -> [String] {
        let lines = resume.split(whereSeparator: \.isNewline).map {
            $0.trimmingCharacters(in: .whitespaces).drop { "-•*·".contains($0) || $0 == " " }
        }.map(String.init).filter { $0.count >= 12 }
        if lines.count >= 3 { return Array(lines.prefix(count)) }
        let words = resume.split(whereSeparator: \.isWhitespace).map(String.init)
        let size = max(3, words.count / 3)
        return stride(from: 0, to: words.count, by: size).map {
            words[$0..<min($0 + size, words.count)].joined(separator: " ")
        }
        .filter { $0.count >= 12 }.prefix(count).map { $0 }
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
        return encode([
            "skills": [
                ["name": "Communication", "category": "soft", "level": "intermediate", "evidence": evidence],
                ["name": "Problem solving", "category": "soft", "level": "intermediate", "evidence": evidence],
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
    }

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
