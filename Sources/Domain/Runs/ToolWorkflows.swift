/// The queued tools' work: ask the models with the tool's schema and rules, and (Job Pack) render
/// the PDF. A failure says its reason first (`MODEL_UNAVAILABLE: …`) and carries the usage so far.
public struct ToolWorkflows: Sendable {
    private let call: StructuredModelCall
    private let roster: ModelRoster
    private let renderer: any JobPackRenderer
    private let fetcher: any ProfilePageFetcher
    private let universities: any UniversityRepository

    public init(
        call: StructuredModelCall, roster: ModelRoster, renderer: any JobPackRenderer,
        fetcher: any ProfilePageFetcher, universities: any UniversityRepository
    ) {
        self.call = call
        self.roster = roster
        self.renderer = renderer
        self.fetcher = fetcher
        self.universities = universities
    }

    /// The workflow of every queued tool (it dispatches on the run's input).
    public var workflow: any Workflow { ToolWorkflow(tools: self) }

    struct ToolWorkflow: Workflow {
        let tools: ToolWorkflows

        func run(_ input: RunInput, for run: Run) async throws -> WorkflowOutput {
            switch input {
            case .jobPack(let title, let company, let description, let resume):
                return try await tools.jobPack(
                    run: run, title: title, company: company, description: description, resume: resume)
            case .skillMapper(let url, let profile, let resume):
                return try await tools.skillMapper(run: run, url: url, profile: profile, resume: resume)
            }
        }
    }

    func jobPack(run: Run, title: String, company: String, description: String, resume: String) async throws
        -> WorkflowOutput
    {
        let (result, usage) = try await ask(
            roster.jobPack(plan: run.plan),
            messages: JobPackTool.messages(
                jobTitle: title, company: company, jobDescription: description, resumeText: resume),
            schema: JobPackTool.schema, run: run
        ) { JobPackTool.validate($0, resumeText: resume) }
        let pdf: [UInt8]
        do {
            pdf = try await renderer.pdf(of: result, jobTitle: title, company: company)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // Rendering is ours, not the model's: another attempt may succeed (a busy machine).
            throw WorkflowError(
                reason: "\(ErrorReason.pdfRenderFailed.rawValue): \(error)", retryable: true, usage: usage)
        }
        return WorkflowOutput(resultJSON: ToolOutput.encode(result), usage: usage, pdf: pdf)
    }

    func skillMapper(run: Run, url: String, profile: String, resume: String) async throws -> WorkflowOutput {
        var page = ""
        if !url.isEmpty {
            let hosts = try await universities.find(id: run.universityID)?.profilePortalHosts ?? []
            let allowed: ProfileURLPolicy.Allowed
            do {
                allowed = try ProfileURLPolicy.check(url, allowedHosts: hosts)
            } catch {
                // The list changed since the start: the run fails (refunded), nothing is fetched.
                throw WorkflowError(
                    reason: "\(ErrorReason.profileURLNotAllowed.rawValue): \(error)", retryable: false)
            }
            do {
                page = try await fetcher.text(of: allowed)
            } catch let error as ProfileFetchError {
                throw WorkflowError(reason: "\(ErrorReason.profileFetchFailed.rawValue): \(error)", retryable: false)
            }
        }
        let (result, usage) = try await ask(
            roster.skillMapper,
            messages: SkillMapperTool.messages(profilePage: page, profileText: profile, resumeText: resume),
            schema: SkillMapperTool.schema, run: run, validate: SkillMapperTool.validate)
        return WorkflowOutput(resultJSON: ToolOutput.encode(result), usage: usage, pdf: nil)
    }

    private func ask<Output: Sendable>(
        _ choice: ModelRoster.Choice, messages: [ModelMessage], schema: ToolSchema, run: Run,
        validate: @escaping @Sendable (String) -> Result<Output, OutputProblems>
    ) async throws -> (Output, RunUsage) {
        do {
            return try await call.run(
                choice, messages: messages, schema: schema, purpose: "run=\(run.id)", validate: validate)
        } catch let failure as ModelFailure {
            // Not retried as a run: each model already had its retries; another attempt would pay again.
            throw WorkflowError(reason: failure.description, retryable: false, usage: failure.usage)
        }
    }
}
