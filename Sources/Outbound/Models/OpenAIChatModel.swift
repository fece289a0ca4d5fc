import Domain
import Foundation
import Logging
import NIOPosix

/// The model port on OpenAI's `POST /chat/completions` through libcurl: one HTTP request per call,
/// the tool's schema as a strict `json_schema` response format, a connect and a total timeout.
/// Each call logs one line (purpose, model, status, tokens, milliseconds), never the key or the
/// texts.
public struct OpenAIChatModel: LanguageModel {
    public struct Configuration: Sendable {
        public var apiKey: String
        public var baseURL = "https://api.openai.com/v1"
        public var timeout = Duration.seconds(60)
        public var connectTimeout = Duration.seconds(10)
        public var maxResponseBytes = 4 << 20

        public init(apiKey: String) {
            self.apiKey = apiKey
        }
    }

    private let configuration: Configuration
    private let http: CurlHTTPClient
    private let logger: Logger

    public init(configuration: Configuration, threadPool: NIOThreadPool, logger: Logger) {
        self.configuration = configuration
        var limits = CurlHTTPClient.Limits()
        limits.timeoutMs = Int(configuration.timeout.wholeMilliseconds)
        limits.connectTimeoutMs = Int(configuration.connectTimeout.wholeMilliseconds)
        limits.maxResponseBytes = configuration.maxResponseBytes
        self.http = CurlHTTPClient(threadPool: threadPool, limits: limits)
        self.logger = logger
    }

    public func complete(_ request: ModelRequest) async throws(ModelCallError) -> ModelAnswer {
        let started = ContinuousClock.now
        let url =
            configuration.baseURL.hasSuffix("/")
            ? configuration.baseURL + "chat/completions" : configuration.baseURL + "/chat/completions"
        var line = Logger.Metadata()
        line["purpose"] = "\(request.purpose)"
        line["model"] = "\(request.model)"
        defer {
            line["ms"] = "\((ContinuousClock.now - started).wholeMilliseconds)"
            logger.info("model call", metadata: line)
        }
        let response: HTTPResponse
        do {
            response = try await http.postJSON(
                url, body: Array(Self.body(request).utf8), headers: ["Authorization: Bearer \(configuration.apiKey)"])
        } catch let error as CurlError {
            line["status"] = error.isTimeout ? "timeout" : "unreachable"
            throw .transient(status: nil, retryAfter: nil, message: error.isTimeout ? "timed out" : "unreachable")
        } catch {
            line["status"] = "cancelled"
            throw .transient(status: nil, retryAfter: nil, message: "cancelled")
        }
        line["status"] = "\(response.status)"
        switch response.status {
        case 200:
            break
        case 408, 409, 429, 500...599:
            throw .transient(
                status: response.status, retryAfter: Self.retryAfter(response), message: "HTTP \(response.status)")
        case 401, 403:
            logger.error(
                "the model API refused the API key: check OPENAI_API_KEY",
                metadata: ["status": "\(response.status)", "model": "\(request.model)"])
            throw .rejected(status: response.status, message: Self.errorMessage(response))
        default:
            throw .rejected(status: response.status, message: Self.errorMessage(response))
        }
        guard let decoded = try? JSONDecoder().decode(ChatCompletion.self, from: Data(response.body)),
            let choice = decoded.choices.first
        else {
            line["status"] = "200-undecodable"
            throw .transient(status: 200, retryAfter: nil, message: "an answer that is not a chat completion")
        }
        let usage = TokenUsage(
            promptTokens: decoded.usage?.promptTokens ?? 0, completionTokens: decoded.usage?.completionTokens ?? 0,
            cachedTokens: decoded.usage?.promptTokensDetails?.cachedTokens ?? 0)
        line["prompt_tokens"] = "\(usage.promptTokens)"
        line["completion_tokens"] = "\(usage.completionTokens)"
        line["cached_tokens"] = "\(usage.cachedTokens)"
        let finish: ModelAnswer.Finish
        switch choice.finishReason ?? "stop" {
        case "stop": finish = .stop
        case "length": finish = .length
        case "content_filter": finish = .contentFilter
        case let other: finish = .other(other)
        }
        line["finish"] = "\(choice.finishReason ?? "")"
        return ModelAnswer(
            content: choice.message.content, refusal: choice.message.refusal, finish: finish, usage: usage)
    }

    /// The request body. Written by hand around the schema's own JSON so the schema's property
    /// order (which the model generates in) is kept; every string goes through the JSON encoder.
    static func body(_ request: ModelRequest) -> String {
        let messages = request.messages.map { message in
            "{\"role\":\(JSONSchema.quoted(message.role.rawValue)),\"content\":\(JSONSchema.quoted(message.content))}"
        }
        return """
            {"model":\(JSONSchema.quoted(request.model)),"messages":[\(messages.joined(separator: ","))],\
            "response_format":{"type":"json_schema","json_schema":{"name":\(JSONSchema.quoted(request.schema.name)),\
            "strict":true,"schema":\(request.schema.schema.jsonText)}},"max_completion_tokens":\(request.maxCompletionTokens)}
            """
    }

    /// `retry-after-ms` (milliseconds) or `retry-after` (seconds); an HTTP date is not honoured.
    static func retryAfter(_ response: HTTPResponse) -> Duration? {
        if let text = response.header("retry-after-ms"), let ms = Double(text), ms.isFinite, ms >= 0 {
            return .milliseconds(Int64(min(ms, 86_400_000)))
        }
        if let text = response.header("retry-after"), let seconds = Double(text), seconds.isFinite, seconds >= 0 {
            return .milliseconds(Int64(min(seconds, 86_400) * 1000))
        }
        return nil
    }

    static func errorMessage(_ response: HTTPResponse) -> String {
        struct Envelope: Decodable {
            struct Detail: Decodable { var message: String? }
            var error: Detail?
        }
        let message = (try? JSONDecoder().decode(Envelope.self, from: Data(response.body)))?.error?.message
        return String((message ?? "HTTP \(response.status)").prefix(300))
    }

    struct ChatCompletion: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable {
                var content: String?
                var refusal: String?
            }
            var message: Message
            var finishReason: String?

            enum CodingKeys: String, CodingKey {
                case message
                case finishReason = "finish_reason"
            }
        }
        struct Usage: Decodable {
            struct PromptDetails: Decodable {
                var cachedTokens: Int64?
                enum CodingKeys: String, CodingKey { case cachedTokens = "cached_tokens" }
            }
            var promptTokens: Int64?
            var completionTokens: Int64?
            var promptTokensDetails: PromptDetails?

            enum CodingKeys: String, CodingKey {
                case promptTokens = "prompt_tokens"
                case completionTokens = "completion_tokens"
                case promptTokensDetails = "prompt_tokens_details"
            }
        }
        var choices: [Choice]
        var usage: Usage?
    }
}
