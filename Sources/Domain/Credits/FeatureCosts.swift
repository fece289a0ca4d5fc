import Foundation

/// The price list: per feature and plan, a currency and an amount. Built in, or read from the JSON
/// file CAREERAI_FEATURE_COSTS names; validated as a whole at start so a typo stops the server
/// instead of charging wrong.
///
/// ```json
/// {"job_pack": {"free": {"currency": "silver", "amount": 1}, "pro": {"currency": "gold", "amount": 1}}, …}
/// ```
public struct FeatureCosts: Sendable, Equatable {
    public static let maxAmount: Int64 = 1_000_000
    public static let maxFileBytes = 64 * 1024

    private let costs: [Feature: [Plan: Cost]]

    public static let builtInJSON = """
        {
          "job_pack":          {"free": {"currency": "silver", "amount": 1}, "pro": {"currency": "gold", "amount": 1}},
          "skill_mapper":      {"free": {"currency": "gold", "amount": 1},   "pro": {"currency": "gold", "amount": 1}},
          "internship_finder": {"free": {"currency": "silver", "amount": 1}, "pro": {"currency": "silver", "amount": 1}},
          "referral_trainer":  {"free": {"currency": "silver", "amount": 0}, "pro": {"currency": "silver", "amount": 0}}
        }
        """

    public static let builtIn = try! FeatureCosts(json: Data(builtInJSON.utf8))

    public func cost(of feature: Feature, plan: Plan) -> Cost {
        guard let cost = costs[feature]?[plan] else {
            preconditionFailure("validated at load: every feature has every plan")
        }
        return cost
    }

    /// Parses and validates; the error says which entry is wrong and why.
    public init(json: Data) throws(FeatureCostsError) {
        guard json.count <= Self.maxFileBytes else {
            throw FeatureCostsError("the file is larger than \(Self.maxFileBytes) bytes")
        }
        struct Entry: Decodable {
            var currency: String
            var amount: Int64
        }
        let root: [String: [String: Entry]]
        do {
            root = try JSONDecoder().decode([String: [String: Entry]].self, from: json)
        } catch {
            let shape = #"{"feature": {"free"|"pro": {"currency": "silver"|"gold", "amount": whole number}}}"#
            guard (try? JSONSerialization.jsonObject(with: json)) != nil else {
                throw FeatureCostsError("not valid JSON; expected \(shape)")
            }
            var path = ""
            switch error as? DecodingError {
            case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?, .keyNotFound(_, let context)?,
                .dataCorrupted(let context)?:
                path = context.codingPath.map(\.stringValue).joined(separator: ".")
            default: break
            }
            throw FeatureCostsError(
                "\(path.isEmpty ? "an entry" : path) does not fit \(shape) (amounts are whole numbers)")
        }
        var costs: [Feature: [Plan: Cost]] = [:]
        for (name, plans) in root {
            guard let feature = Feature(rawValue: name) else {
                throw FeatureCostsError(
                    "unknown feature '\(name)' (known: \(Feature.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            var byPlan: [Plan: Cost] = [:]
            for (planName, entry) in plans {
                guard let plan = Plan(rawValue: planName) else {
                    throw FeatureCostsError("\(name): unknown plan '\(planName)' (free, pro)")
                }
                guard let currency = Currency(rawValue: entry.currency) else {
                    throw FeatureCostsError("\(name).\(planName): unknown currency '\(entry.currency)' (silver, gold)")
                }
                guard entry.amount >= 0, entry.amount <= Self.maxAmount else {
                    throw FeatureCostsError(
                        "\(name).\(planName): amount \(entry.amount) is outside 0...\(Self.maxAmount)")
                }
                byPlan[plan] = Cost(currency: currency, amount: entry.amount)
            }
            for plan in Plan.allCases where byPlan[plan] == nil {
                throw FeatureCostsError("\(name): no price for the \(plan.rawValue) plan")
            }
            costs[feature] = byPlan
        }
        for feature in Feature.allCases where costs[feature] == nil {
            throw FeatureCostsError("no prices for \(feature.rawValue)")
        }
        self.costs = costs
    }
}

public struct FeatureCostsError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
