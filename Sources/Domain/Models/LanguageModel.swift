/// The model port: one chat completion with a strict JSON schema. The adapter (libcurl to OpenAI's
/// `/chat/completions`, or MOCK's fixtures) does one HTTP request per call; retries, repair and
/// fallback are `StructuredModelCall`'s, so every adapter gets the same policy.
public protocol LanguageModel: Sendable {
    func complete(_ request: ModelRequest) async throws(ModelCallError) -> ModelAnswer
}

public struct ModelMessage: Sendable, Equatable {
    public enum Role: String, Sendable { case system, user, assistant }

    public var role: Role
    public var content: String

    public init(_ role: Role, _ content: String) {
        self.role = role
        self.content = content
    }
}

public struct ModelRequest: Sendable {
    public var model: String
    public var messages: [ModelMessage]
    /// The tool's output schema, inside strict mode's subset (see `JSONSchema`).
    public var schema: ToolSchema
    public var maxCompletionTokens: Int
    /// For the adapter's log line only (never sent): which run, or which synchronous call.
    public var purpose: String

    public init(model: String, messages: [ModelMessage], schema: ToolSchema, maxCompletionTokens: Int, purpose: String)
    {
        self.model = model
        self.messages = messages
        self.schema = schema
        self.maxCompletionTokens = maxCompletionTokens
        self.purpose = purpose
    }
}

public struct ModelAnswer: Sendable, Equatable {
    public enum Finish: Sendable, Equatable {
        case stop, length, contentFilter
        case other(String)
    }

    /// The message's content (JSON text when the model complied); nil with a refusal.
    public var content: String?
    public var refusal: String?
    public var finish: Finish
    public var usage: TokenUsage

    public init(content: String?, refusal: String? = nil, finish: Finish = .stop, usage: TokenUsage = TokenUsage()) {
        self.content = content
        self.refusal = refusal
        self.finish = finish
        self.usage = usage
    }
}

public struct TokenUsage: Sendable, Equatable {
    public var promptTokens: Int64 = 0
    public var completionTokens: Int64 = 0
    public var cachedTokens: Int64 = 0

    public init(promptTokens: Int64 = 0, completionTokens: Int64 = 0, cachedTokens: Int64 = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
    }
}

/// Why one model call gave no answer.
public enum ModelCallError: Error, Sendable, Equatable {
    /// 408/409/429/5xx, a connection error or a timeout: worth another try. `retryAfter` is the
    /// server's `retry-after-ms`/`retry-after`, when it sent one.
    case transient(status: Int?, retryAfter: Duration?, message: String)
    /// 400/401/403/404 and other 4xx: the same request will fail the same way.
    case rejected(status: Int, message: String)

    public var summary: String {
        switch self {
        case .transient(let status, _, let message): return status.map { "HTTP \($0)" } ?? message
        case .rejected(let status, _): return "HTTP \(status)"
        }
    }
}
