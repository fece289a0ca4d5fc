/// Which model each tool asks, and which one it falls back to when that one is used up; from the
/// configuration (validated at start).
public struct ModelRoster: Sendable, Equatable {
    public struct Choice: Sendable, Equatable {
        public var primary: String
        public var fallback: String

        public init(primary: String, fallback: String) {
            self.primary = primary
            self.fallback = fallback
        }

        /// The models to try, in order (one when the fallback is the same model).
        public var models: [String] { primary == fallback ? [primary] : [primary, fallback] }
    }

    public static let mini = "gpt-4o-mini"
    public static let full = "gpt-4o"

    /// Job Pack: the mini model for free users, the full one for pro.
    public var jobPackFree = Choice(primary: mini, fallback: full)
    public var jobPackPro = Choice(primary: full, fallback: mini)
    public var skillMapper = Choice(primary: full, fallback: mini)
    public var internshipFinder = Choice(primary: mini, fallback: full)

    public init() {}

    public func jobPack(plan: Plan) -> Choice { plan == .pro ? jobPackPro : jobPackFree }

    /// A model name as OpenAI spells them: letters, digits, `-`, `.`, `_`, `:` (fine-tunes), 1–100.
    public static func isValidModelName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 100
            && name.unicodeScalars.allSatisfy {
                $0.isASCII
                    && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-._:".unicodeScalars.contains($0))
            }
    }
}
