import Foundation
import Synchronization

/// A local stand-in for OpenAI's `/v1/chat/completions`. It checks each request (the key, a strict
/// json_schema response format, max_completion_tokens) and answers from a script per model: a
/// step is a valid answer built from the request's own texts, a raw status, a refusal, a
/// truncation, or a hang. Past its script a model answers `fallbackStep`.
public final class OpenAIStandIn: Sendable {
    public static let apiKey = "sk-test-stand-in"

    public enum Step: Sendable {
        /// 200 with content in the tool's schema, built from the prompt (grounded Job Pack bullets).
        case valid
        /// 200 with this content.
        case content(String)
        case status(Int, headers: [(String, String)] = [])
        case refusal
        case truncated
        /// Never answers (until the client gives up).
        case hang
    }

    public struct Seen: Sendable {
        public var model: String
        public var schemaName: String
        public var strict: Bool
        public var authorized: Bool
        public var maxCompletionTokens: Int
        public var body: String
    }

    private let http: HTTPStandIn
    private let state: Mutex<(script: [String: [Step]], fallback: Step, seen: [Seen])>

    public var baseURL: String { "http://127.0.0.1:\(http.port)/v1" }
    public var seen: [Seen] { state.withLock { $0.seen } }

    /// The environment that points careerai-server at this stand-in, with fast retries.
    public var serverEnvironment: [String: String] {
        [
            "MOCK": "0", "OPENAI_API_KEY": Self.apiKey, "CAREERAI_OPENAI_BASE_URL": baseURL,
            "CAREERAI_MODEL_RETRY_BASE_MS": "10", "CAREERAI_MODEL_RETRY_MAX_MS": "40",
            "CAREERAI_OPENAI_TIMEOUT_MS": "10000",
        ]
    }

    public static func start() async throws -> OpenAIStandIn {
        let box = Mutex<OpenAIStandIn?>(nil)
        let http = try await HTTPStandIn.start { request in
            guard let standIn = box.withLock({ $0 }) else { return (503, [], "") }
            return await standIn.respond(request)
        }
        let standIn = OpenAIStandIn(http: http)
        box.withLock { $0 = standIn }
        return standIn
    }

    private init(http: HTTPStandIn) {
        self.http = http
        state = Mutex((script: [:], fallback: .valid, seen: []))
    }

    public func script(_ model: String, _ steps: [Step]) {
        state.withLock { $0.script[model] = steps }
    }

    public func answerByDefault(_ step: Step) {
        state.withLock { $0.fallback = step }
    }

    public func stop() async {
        await http.stop()
    }

    func respond(_ request: HTTPStandIn.Request) async -> HTTPStandIn.Response {
        guard request.method == "POST", request.uri == "/v1/chat/completions",
            let object = try? JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any]
        else { return (404, [], #"{"error":{"message":"no such endpoint"}}"#) }
        let model = object["model"] as? String ?? ""
        let format = (object["response_format"] as? [String: Any])?["json_schema"] as? [String: Any]
        let seen = Seen(
            model: model, schemaName: format?["name"] as? String ?? "", strict: format?["strict"] as? Bool ?? false,
            authorized: request.header("Authorization") == "Bearer \(Self.apiKey)",
            maxCompletionTokens: object["max_completion_tokens"] as? Int ?? 0, body: request.body)
        let step = state.withLock { state -> Step in
            state.seen.append(seen)
            guard var steps = state.script[model], !steps.isEmpty else { return state.fallback }
            let first = steps.removeFirst()
            state.script[model] = steps
            return first
        }
        guard seen.authorized else { return (401, [], #"{"error":{"message":"Incorrect API key provided"}}"#) }
        guard seen.strict else { return (400, [], #"{"error":{"message":"strict json_schema expected"}}"#) }
        let messages = (object["messages"] as? [[String: Any]]) ?? []
        let prompt = messages.compactMap { $0["content"] as? String }.joined(separator: "\n")
        switch step {
        case .valid:
            return Self.completion(content: Self.validContent(schema: seen.schemaName, prompt: prompt))
        case .content(let text):
            return Self.completion(content: text)
        case .status(let code, let headers):
            return (code, headers, #"{"error":{"message":"stand-in status"}}"#)
        case .refusal:
            return Self.completion(content: nil, refusal: "I'm sorry, I can't help with that.")
        case .truncated:
            return Self.completion(content: "{\"summary\": \"cut", finish: "length")
        case .hang:
            try? await Task.sleep(for: .seconds(30))
            return (504, [], "")
        }
    }

    static func completion(content: String?, refusal: String? = nil, finish: String = "stop") -> HTTPStandIn.Response {
        let message: [String: Any] = [
            "role": "assistant", "content": content.map { $0 as Any } ?? NSNull(),
            "refusal": refusal.map { $0 as Any } ?? NSNull(),
        ]
        let object: [String: Any] = [
            "id": "chatcmpl-test", "object": "chat.completion",
            "choices": [["index": 0, "message": message, "finish_reason": finish]],
            "usage": ["prompt_tokens": 100, "completion_tokens": 50, "prompt_tokens_details": ["cached_tokens": 20]],
        ]
        let data = try! JSONSerialization.data(withJSONObject: object)
        return (200, [], String(decoding: data, as: UTF8.self))
    }

    /// A valid answer for the schema, its Job Pack bullets quoting the `<resume>` of the prompt.
    public static func validContent(schema: String, prompt: String) -> String {
        func tagged(_ tag: String) -> String {
            guard let start = prompt.range(of: "<\(tag)>"),
                let end = prompt.range(of: "</\(tag)>", range: start.upperBound..<prompt.endIndex)
            else { return "" }
            return prompt[start.upperBound..<end.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let object: Any
        switch schema {
        case "job_pack":
            let lines = tagged("resume").split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { $0.count >= 12 }
            object = [
                "summary": "Stand-in summary for \(tagged("company")).",
                "keywords": ["required": ["SQL"], "preferred": ["Python"]],
                "resume_bullets": lines.prefix(4).map {
                    ["source_text": $0, "rewritten": "Stand-in: \($0)", "keywords_used": ["SQL"]]
                },
                "cover_letter": [
                    "greeting": "Dear \(tagged("company")) team,",
                    "paragraphs": ["I am applying for \(tagged("job_title")).", "Second.", "Third."],
                    "closing": "Best regards,",
                ],
                "interview_questions": (1...5).map {
                    ["question": "Stand-in question \($0)?", "why_asked": "Why", "answer_hint": "Hint"]
                },
                "gaps": ["Cloud"], "warnings": [],
            ]
        case "skill_map":
            object = [
                "skills": [["name": "SQL", "category": "data", "level": "intermediate", "evidence": "resume"]],
                "target_roles": ["Analyst"],
                "gaps": [["skill": "Statistics", "why": "Needed", "priority": "high"]],
                "learning_plan": [["week": 1, "focus": "Stats", "activities": ["Course"], "resources": ["Book"]]],
            ]
        case "internship_suggestions":
            object = [
                "suggestions": (1...3).map {
                    [
                        "title": "Stand-in intern \($0)", "field": "Data", "why_fit": "Fits",
                        "search_keywords": ["data intern"], "skills_to_highlight": ["SQL"],
                    ]
                }
            ]
        default:
            object = [:]
        }
        let data = try! JSONSerialization.data(withJSONObject: object)
        return String(decoding: data, as: UTF8.self)
    }
}
