/// What a run's model calls cost: tokens summed over every answer received (rejected ones too),
/// the number of answers, and the model whose answer was used.
public struct RunUsage: Sendable, Equatable {
    public var model = ""
    public var promptTokens: Int64 = 0
    public var completionTokens: Int64 = 0
    public var cachedTokens: Int64 = 0
    public var modelCalls: Int32 = 0

    public init(
        model: String = "", promptTokens: Int64 = 0, completionTokens: Int64 = 0, cachedTokens: Int64 = 0,
        modelCalls: Int32 = 0
    ) {
        self.model = model
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
        self.modelCalls = modelCalls
    }

    public mutating func add(_ tokens: TokenUsage) {
        promptTokens += max(0, tokens.promptTokens)
        completionTokens += max(0, tokens.completionTokens)
        cachedTokens += max(0, tokens.cachedTokens)
        modelCalls += 1
    }
}
