import Domain
import Foundation
import Testing

@testable import Outbound

/// The MOCK model's passages, scanned as bytes: what they quote must be the resume's own text (a Job
/// Pack's bullets pass the grounding check only so), and its answers must be valid JSON in the schema.
@Suite("The MOCK model's passages and answers")
struct MockLanguageModelTests {
    @Test("Lines become passages without their bullet marks and surrounding whitespace")
    func lines() {
        let resume =
            "  - Led a team of five students\r\n• Built a dashboard in SQL\n\n* Tutored statistics weekly  \n· Short\n"
        #expect(
            MockLanguageModel.passages(of: resume, count: 5) == [
                "Led a team of five students", "Built a dashboard in SQL", "Tutored statistics weekly",
            ])
        #expect(MockLanguageModel.passages(of: resume, count: 1) == ["Led a team of five students"])
    }

    @Test("Without three lines, runs of words; every passage has at least twelve characters")
    func words() {
        let resume = "Statistics student who likes SQL and Python and data visualisation projects"
        let passages = MockLanguageModel.passages(of: resume, count: 5)
        // Eleven words, so runs of three words (the last run has two).
        #expect(passages == ["Statistics student who", "likes SQL and", "Python and data", "visualisation projects"])
        #expect(MockLanguageModel.passages(of: "too short", count: 5).isEmpty)
        #expect(MockLanguageModel.passages(of: "", count: 5).isEmpty)
    }

    @Test("Non-ASCII text stays whole: passages are valid UTF-8 runs of the resume and counted in characters")
    func nonASCII() {
        let resume = "Étudiante en données\nAnalyse de Müller & Søn — tableau\nÜbersetzungen 日本語 für Kunden"
        let passages = MockLanguageModel.passages(of: resume, count: 3)
        #expect(
            passages == ["Étudiante en données", "Analyse de Müller & Søn — tableau", "Übersetzungen 日本語 für Kunden"])
        // Twelve characters, though more bytes: "ééééééééééé" (11 characters, 22 bytes) is too short.
        #expect(MockLanguageModel.passages(of: "ééééééééééé", count: 3).isEmpty)
        #expect(MockLanguageModel.passages(of: "éééééééééééé", count: 3) == ["éééééééééééé"])
        for passage in passages { #expect(resume.contains(passage)) }
    }

    @Test("A Skill Mapper answer is valid JSON in the tool's schema, quoting its evidence")
    func skillMapAnswer() async throws {
        let prompt = "<resume>Line one of my resume\u{0}with \"quotes\" and \\ a tab\there</resume><profile></profile>"
        let answer = try await MockLanguageModel().complete(
            ModelRequest(
                model: "mock", messages: [ModelMessage(.user, prompt)], schema: SkillMapperTool.schema,
                maxCompletionTokens: 1_000, purpose: "test"))
        let content = try #require(answer.content)
        let object = try JSONSerialization.jsonObject(with: Data(content.utf8)) as? [String: Any]
        let skills = try #require(object?["skills"] as? [[String: Any]])
        // One line, so runs of words: the first, "Line one of", is under twelve characters.
        #expect(skills.first?["evidence"] as? String == "my resume\u{0}with \"quotes\"")
    }
}
