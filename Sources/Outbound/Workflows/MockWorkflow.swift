import Domain
import Foundation

/// MOCK=1: workflows that return sample results (no model call). `mode` makes them fail or hang, for
/// tests of refunds, retries and timeouts (CAREERAI_MOCK_MODE=succeed|fail|hang).
public struct MockWorkflow: Workflow {
    public enum Mode: String, Sendable, CaseIterable {
        case succeed, fail, hang
    }

    private let kind: Run.Kind
    private let mode: Mode
    private let delay: Duration

    public init(kind: Run.Kind, mode: Mode = .succeed, delay: Duration = .zero) {
        self.kind = kind
        self.mode = mode
        self.delay = delay
    }

    public func run(_ input: RunInput) async throws -> String {
        if delay > .zero { try await Task.sleep(for: delay) }
        switch mode {
        case .fail:
            throw WorkflowError(reason: "MOCK_FAILURE: CAREERAI_MOCK_MODE=fail", retryable: true)
        case .hang:
            try await Task.sleep(for: .seconds(3600))
            throw CancellationError()
        case .succeed:
            return Self.sample(for: input)
        }
    }

    static func sample(for input: RunInput) -> String {
        let object: [String: Any]
        switch input {
        case .jobPack(let title, let company, _, _):
            object = [
                "mock": true,
                "resume_bullets": [
                    "Built and shipped a feature used by 2,000 students, cutting sign-up time by 40%",
                    "Automated a weekly report with Python, saving the team 3 hours a week",
                    "Led a 4-person course project to an A grade and a department showcase",
                ],
                "cover_letter":
                    "Dear Hiring Team at \(company),\n\nI am excited to apply for the \(title) role. …\n\nSincerely,\nA CareerAI student",
                "interview_questions": [
                    "Tell us about a project where you had to learn something new quickly.",
                    "How would you approach the first 30 days as \(title) at \(company)?",
                    "Describe a time you disagreed with a teammate and how you resolved it.",
                ],
            ]
        case .skillMapper:
            object = [
                "mock": true,
                "skills": ["Python": "intermediate", "SQL": "beginner", "Communication": "strong"],
                "gaps": ["System design", "Cloud deployment"],
                "learning_plan": [
                    ["week": 1, "focus": "SQL joins and indexes", "resource": "SQLBolt"],
                    ["week": 2, "focus": "Deploy a small app", "resource": "Fly.io docs"],
                ],
            ]
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
