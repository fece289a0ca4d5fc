import Domain
import Foundation
import Synchronization
import Testing

/// A model that answers from a script, one step per call, and records what it was asked.
final class ScriptedModel: LanguageModel, Sendable {
    enum Step: Sendable {
        case answer(ModelAnswer)
        case fail(ModelCallError)
    }

    private let steps: Mutex<[String: [Step]]>
    private let seen = Mutex<[ModelRequest]>([])

    /// `script`: per model name, its steps in order; a model past its script fails with HTTP 500.
    init(_ script: [String: [Step]]) {
        steps = Mutex(script)
    }

    var requests: [ModelRequest] { seen.withLock { $0 } }

    func complete(_ request: ModelRequest) async throws(ModelCallError) -> ModelAnswer {
        seen.withLock { $0.append(request) }
        let step = steps.withLock { script -> Step in
            guard var queue = script[request.model], !queue.isEmpty else {
                return .fail(.transient(status: 500, retryAfter: nil, message: "HTTP 500"))
            }
            let first = queue.removeFirst()
            script[request.model] = queue
            return first
        }
        switch step {
        case .answer(let answer): return answer
        case .fail(let error): throw error
        }
    }

    static func json(_ text: String, tokens: Int64 = 10) -> Step {
        .answer(ModelAnswer(content: text, usage: TokenUsage(promptTokens: tokens, completionTokens: tokens)))
    }
}

/// Records the waits instead of sleeping.
final class RecordedSleeps: Sendable {
    private let waits = Mutex<[Duration]>([])
    var all: [Duration] { waits.withLock { $0 } }
    func sleep(_ duration: Duration) async throws { waits.withLock { $0.append(duration) } }
}

enum Fixtures {
    static let resume = """
        Built a Python dashboard that tracks campus library usage for 3,000 students.
        Analysed survey data with SQL and pandas for the student union.
        Tutored first-year students in introductory probability.
        """

    static func jobPack(sources: [String]) -> String {
        let bullets = sources.map { source -> [String: Any] in
            ["source_text": source, "rewritten": "Rewritten: \(source)", "keywords_used": ["SQL"]]
        }
        let object: [String: Any] = [
            "summary": "A good fit.", "keywords": ["required": ["SQL"], "preferred": ["Python"]],
            "resume_bullets": bullets,
            "cover_letter": ["greeting": "Dear team,", "paragraphs": ["One.", "Two.", "Three."], "closing": "Best,"],
            "interview_questions": (1...5).map { ["question": "Q\($0)?", "why_asked": "Why", "answer_hint": "Hint"] },
            "gaps": [], "warnings": [],
        ]
        return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    static let grounded = jobPack(sources: [
        "built a python dashboard that tracks campus   library usage",  // case and spaces differ: still a passage
        "Analysed survey data with SQL and pandas",
        "Tutored first-year students in introductory probability.",
    ])
    static let invented = jobPack(sources: [
        "Led a team of 12 engineers at Google", "Built a Python dashboard that tracks campus library usage",
        "Won the national hackathon", "Analysed survey data with SQL and pandas",
        "Tutored first-year students in introductory probability",
    ])
}

@Suite("The model policy: retries with backoff, repair, truncation, refusal, fallback, usage")
struct ModelCallTests {
    let choice = ModelRoster.Choice(primary: "gpt-4o-mini", fallback: "gpt-4o")

    func call(_ model: ScriptedModel, _ sleeps: RecordedSleeps = RecordedSleeps()) -> StructuredModelCall {
        StructuredModelCall(model: model, sleep: { try await sleeps.sleep($0) }, jitter: { 1 })
    }

    func jobPack(_ model: ScriptedModel, _ sleeps: RecordedSleeps = RecordedSleeps()) async throws -> (
        JobPackResult, RunUsage
    ) {
        try await call(model, sleeps).run(
            choice, messages: [ModelMessage(.user, "x")], schema: JobPackTool.schema, purpose: "test"
        ) { JobPackTool.validate($0, resumeText: Fixtures.resume) }
    }

    func failure(_ model: ScriptedModel, _ sleeps: RecordedSleeps = RecordedSleeps()) async -> ModelFailure? {
        do {
            _ = try await jobPack(model, sleeps)
            return nil
        } catch {
            return error as? ModelFailure
        }
    }

    @Test("a valid answer is used at once; usage counts it")
    func valid() async throws {
        let model = ScriptedModel(["gpt-4o-mini": [ScriptedModel.json(Fixtures.grounded, tokens: 7)]])
        let (result, usage) = try await jobPack(model)
        #expect(result.resumeBullets.count == 3)
        #expect(usage == RunUsage(model: "gpt-4o-mini", promptTokens: 7, completionTokens: 7, modelCalls: 1))
        let request = try #require(model.requests.first)
        #expect(
            request.schema == JobPackTool.schema && request.maxCompletionTokens == ModelCallPolicy().maxCompletionTokens
        )
    }

    @Test("invalid JSON once: re-asked with the problems, then accepted; both answers counted")
    func invalidJSONOnce() async throws {
        let model = ScriptedModel([
            "gpt-4o-mini": [ScriptedModel.json("{\"summary\": \"cut"), ScriptedModel.json(Fixtures.grounded)]
        ])
        let (_, usage) = try await jobPack(model)
        #expect(usage.modelCalls == 2 && usage.promptTokens == 20 && usage.model == "gpt-4o-mini")
        let repair = try #require(model.requests.last?.messages)
        #expect(repair.count == 3 && repair[1].role == .assistant && repair[2].content.contains("not a JSON object"))
    }

    @Test("schema-breaking output once (a missing field, too few questions): re-asked, then accepted")
    func schemaBreakingOnce() async throws {
        let model = ScriptedModel([
            "gpt-4o-mini": [ScriptedModel.json(#"{"summary": "x"}"#), ScriptedModel.json(Fixtures.grounded)]
        ])
        _ = try await jobPack(model)
        #expect(model.requests.last?.messages.last?.content.contains("missing field") == true)
    }

    @Test("invented bullets are dropped with a warning; too few grounded ones make the answer invalid")
    func grounding() async throws {
        let result = try JobPackTool.validate(Fixtures.invented, resumeText: Fixtures.resume).get()
        #expect(
            result.resumeBullets.map(\.sourceText).allSatisfy { !$0.contains("Google") && !$0.contains("hackathon") })
        #expect(result.resumeBullets.count == 3 && result.warnings.contains { $0.contains("2 suggested bullets") })
        let onlyTwo = JobPackTool.validate(
            Fixtures.jobPack(sources: [
                "Led a team of 12 engineers at Google", "Won the national hackathon",
                "Analysed survey data with SQL and pandas",
            ]), resumeText: Fixtures.resume)
        guard case .failure(let problems) = onlyTwo else {
            Issue.record("one grounded bullet passed")
            return
        }
        #expect(problems.problems.first?.contains("copied exactly from the resume") == true)
        // Both models answer with invented experience twice: the run fails MODEL_OUTPUT_INVALID.
        let bad = Fixtures.jobPack(sources: [
            "Led a team of 12 engineers at Google", "Won the national hackathon",
            "Founded a startup",
        ])
        let model = ScriptedModel([
            "gpt-4o-mini": [ScriptedModel.json(bad), ScriptedModel.json(bad)],
            "gpt-4o": [ScriptedModel.json(bad), ScriptedModel.json(bad)],
        ])
        let failure = try #require(await failure(model))
        #expect(failure.reason == .modelOutputInvalid && failure.usage.modelCalls == 4)
    }

    @Test("a refusal uses the model up; the fallback answers")
    func refusal() async throws {
        let model = ScriptedModel([
            "gpt-4o-mini": [.answer(ModelAnswer(content: nil, refusal: "I can't help with that."))],
            "gpt-4o": [ScriptedModel.json(Fixtures.grounded)],
        ])
        let (_, usage) = try await jobPack(model)
        #expect(usage.model == "gpt-4o" && usage.modelCalls == 2)
        // Refused by both: MODEL_REFUSED.
        let both = ScriptedModel([
            "gpt-4o-mini": [.answer(ModelAnswer(content: "{}", finish: .contentFilter))],
            "gpt-4o": [.answer(ModelAnswer(content: nil, refusal: "No."))],
        ])
        #expect(await failure(both)?.reason == .modelRefused)
    }

    @Test("finish_reason length: asked once more with twice the cap (never repaired), then the fallback")
    func truncation() async throws {
        let cut = ModelAnswer(content: "{\"summary\": \"a", finish: .length)
        let model = ScriptedModel([
            "gpt-4o-mini": [.answer(cut), .answer(cut)], "gpt-4o": [ScriptedModel.json(Fixtures.grounded)],
        ])
        let (_, usage) = try await jobPack(model)
        let caps = model.requests.map(\.maxCompletionTokens)
        let cap = ModelCallPolicy().maxCompletionTokens
        #expect(caps == [cap, cap * 2, cap] && usage.model == "gpt-4o")
        #expect(model.requests[1].messages.count == 1, "a truncated answer is not sent back for repair")
    }

    @Test("429 with retry-after: waited for as asked, then success")
    func rateLimited() async throws {
        let sleeps = RecordedSleeps()
        let model = ScriptedModel([
            "gpt-4o-mini": [
                .fail(.transient(status: 429, retryAfter: .milliseconds(1500), message: "HTTP 429")),
                ScriptedModel.json(Fixtures.grounded),
            ]
        ])
        _ = try await jobPack(model, sleeps)
        #expect(sleeps.all == [.milliseconds(1500)])
    }

    @Test("500 twice then success: exponential backoff from 0.5 s, on the same model")
    func serverErrorsTwice() async throws {
        let sleeps = RecordedSleeps()
        let error = ScriptedModel.Step.fail(.transient(status: 500, retryAfter: nil, message: "HTTP 500"))
        let model = ScriptedModel(["gpt-4o-mini": [error, error, ScriptedModel.json(Fixtures.grounded)]])
        let (_, usage) = try await jobPack(model, sleeps)
        #expect(sleeps.all == [.milliseconds(500), .seconds(1)] && usage.model == "gpt-4o-mini")
    }

    @Test("the primary always 500: 3 retries (0.5, 1, 2 s), then the fallback answers")
    func primaryDown() async throws {
        let sleeps = RecordedSleeps()
        let model = ScriptedModel(["gpt-4o": [ScriptedModel.json(Fixtures.grounded)]])
        let (_, usage) = try await jobPack(model, sleeps)
        #expect(model.requests.map(\.model) == ["gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini", "gpt-4o"])
        #expect(sleeps.all == [.milliseconds(500), .seconds(1), .seconds(2)])
        #expect(usage.model == "gpt-4o" && usage.modelCalls == 1, "failed requests are no answers")
    }

    @Test("everything failing: MODEL_UNAVAILABLE naming both models; a too-long retry-after is not waited for")
    func everythingFails() async throws {
        let sleeps = RecordedSleeps()
        let down = try #require(await failure(ScriptedModel([:]), sleeps))
        #expect(down.reason == .modelUnavailable)
        #expect(down.message.contains("gpt-4o-mini: HTTP 500") && down.message.contains("gpt-4o: HTTP 500"))
        #expect(sleeps.all.count == 6)
        let long = ScriptedModel([
            "gpt-4o-mini": [.fail(.transient(status: 429, retryAfter: .seconds(3600), message: "HTTP 429"))],
            "gpt-4o": [.fail(.rejected(status: 401, message: "bad key"))],
        ])
        let longSleeps = RecordedSleeps()
        let refused = try #require(await failure(long, longSleeps))
        #expect(longSleeps.all.isEmpty && refused.reason == .modelUnavailable && long.requests.count == 2)
        #expect(refused.message.contains("not retried"))
    }

    @Test("backoff is capped at 8 s and jittered within 75–100 %")
    func backoffShape() {
        let policy = ModelCallPolicy()
        #expect(policy.wait(beforeRetry: 10, retryAfter: nil, jitter: 1) == .seconds(8))
        #expect(policy.wait(beforeRetry: 0, retryAfter: nil, jitter: 0) == .milliseconds(375))
        #expect(policy.wait(beforeRetry: 0, retryAfter: .seconds(30), jitter: 1) == nil)
    }

    @Test("every tool's schema is inside strict mode: all properties required, no additional properties")
    func strictSchemas() throws {
        for schema in [JobPackTool.schema, SkillMapperTool.schema, InternshipFinderTool.schema] {
            let object = try JSONSerialization.jsonObject(with: Data(schema.schema.jsonText.utf8))
            func check(_ node: Any, _ path: String) {
                guard let node = node as? [String: Any] else { return }
                if node["type"] as? String == "object" {
                    let properties = (node["properties"] as? [String: Any]) ?? [:]
                    #expect(node["additionalProperties"] as? Bool == false, "\(schema.name)\(path)")
                    #expect(Set((node["required"] as? [String]) ?? []) == Set(properties.keys), "\(schema.name)\(path)")
                    for (name, child) in properties { check(child, "\(path).\(name)") }
                }
                if let items = node["items"] { check(items, "\(path)[]") }
            }
            check(object, "")
        }
    }
}
