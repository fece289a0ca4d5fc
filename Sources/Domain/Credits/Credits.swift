/// The two credit currencies a university grants.
public enum Currency: String, Sendable, CaseIterable, Codable {
    case silver, gold
}

/// The tools a student spends credits on.
public enum Feature: String, Sendable, CaseIterable, Codable {
    case jobPack = "job_pack"
    case skillMapper = "skill_mapper"
    case internshipFinder = "internship_finder"
    case referralTrainer = "referral_trainer"
}

/// A user's plan decides the price list: `pro` users (`is_pro`) pay the pro prices.
public enum Plan: String, Sendable, CaseIterable, Codable {
    case free, pro
}

/// What one use of a feature costs.
public struct Cost: Sendable, Equatable, Codable {
    public var currency: Currency
    public var amount: Int64

    public init(currency: Currency, amount: Int64) {
        self.currency = currency
        self.amount = amount
    }
}
