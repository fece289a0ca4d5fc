import ArgumentParser
import BoundedIO
import Client
import Contract
import Foundation
import Wire

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Start a tool run, or show one.",
        subcommands: [JobPack.self, SkillMapper.self, Get.self, Pdf.self])

    struct JobPack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "job-pack",
            abstract: "Tailored resume bullets, cover letter and interview questions for one job.")

        @OptionGroup var global: GlobalOptions
        @Option(help: "The job title.") var title: String
        @Option(help: "The company.") var company: String
        @Option(name: .customLong("jd"), help: "A file with the job description (≤ 20,000 characters).")
        var jobDescription: String
        @Option(help: "A file with your resume as text (≤ 30,000 characters).") var resume: String
        @Flag(help: "Wait for the result, showing the status as it changes.") var wait = false
        @Option(help: "Makes a retry safe: the same key starts (and charges) once.") var idempotencyKey: String?

        func run() async throws {
            _ = try global.requireTenant()
            var request = StartJobPackRequest()
            request.jobTitle = title
            request.company = company
            request.jobDescription = try RunCommand.read(jobDescription, "--jd")
            request.resumeText = try RunCommand.read(resume, "--resume")
            let (key, jobPack) = (idempotencyKey ?? UUID().uuidString, request)
            try await RunCommand.start(global, wait: wait) {
                try await $0.runs.startJobPack(jobPack, idempotencyKey: key)
            }
        }
    }

    struct SkillMapper: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "skill-mapper",
            abstract: "Your skills with evidence, the roles they point to, the gaps and a learning plan.")

        @OptionGroup var global: GlobalOptions
        @Option(help: "A file with your resume as text (≤ 30,000 characters).") var resume: String
        @Option(help: "Your profile page on a portal your university lists.") var profileUrl: String?
        @Option(help: "A file with your profile as text.") var profile: String?
        @Flag(help: "Wait for the result, showing the status as it changes.") var wait = false
        @Option(help: "Makes a retry safe: the same key starts (and charges) once.") var idempotencyKey: String?

        func run() async throws {
            _ = try global.requireTenant()
            var request = StartSkillMapperRequest()
            request.resumeText = try RunCommand.read(resume, "--resume")
            request.profilePortalURL = profileUrl ?? ""
            if let profile { request.profileText = try RunCommand.read(profile, "--profile") }
            let (key, skillMapper) = (idempotencyKey ?? UUID().uuidString, request)
            try await RunCommand.start(global, wait: wait) {
                try await $0.runs.startSkillMapper(skillMapper, idempotencyKey: key)
            }
        }
    }

    struct Pdf: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pdf", abstract: "Save a succeeded Job Pack as a PDF.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The run id.") var id: String
        @Option(name: .shortAndLong, help: "Where to write the PDF.") var output: String

        func run() async throws {
            _ = try global.requireTenant()
            let client = try global.makeClient()
            do {
                let pdf = try await client.runs.pdf(id: id)
                await client.close()
                // Written beside the target and renamed: a failed write leaves no half a PDF.
                let target = URL(fileURLWithPath: output)
                let partial = target.deletingLastPathComponent()
                    .appendingPathComponent(".\(target.lastPathComponent).partial")
                do {
                    try Data(pdf).write(to: partial)
                    guard rename(partial.path, target.path) == 0 else { throw CLIError("rename") }
                } catch {
                    try? FileManager.default.removeItem(at: partial)
                    throw CLIError("-o: cannot write \(output)")
                }
                if global.json {
                    Output.json(["id": id, "path": output, "bytes": pdf.count])
                } else {
                    Output.line("saved \(output) (\(pdf.count / 1024) KiB)")
                }
            } catch let error as CLIError {
                throw error
            } catch {
                Output.fail(error, target: global.target)
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "Show a run and its result.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The run id.") var id: String

        func run() async throws {
            _ = try global.requireTenant()
            let client = try global.makeClient()
            do {
                let run = try await client.runs.get(id: id)
                await client.close()
                RunCommand.show(run, json: global.json)
            } catch {
                Output.fail(error, target: global.target)
            }
        }
    }

    /// Starts a run, follows it when asked, shows it; exits 1 when it failed.
    static func start(
        _ global: GlobalOptions, wait: Bool,
        _ call: @Sendable (CareerAIClient) async throws -> RunMessage
    ) async throws {
        let client = try global.makeClient()
        do {
            var run = try await call(client)
            if wait { run = try await RunCommand.follow(client, run, json: global.json) }
            await client.close()
            RunCommand.show(run, json: global.json)
            if run.statusValue == .failed { Foundation.exit(1) }
        } catch {
            Output.fail(error, target: global.target)
        }
    }

    /// More than any field the server takes (30,000 characters are at most 120,000 bytes of UTF-8):
    /// a wrong path (a video, /dev/zero) is refused before it is read whole.
    static let maxInputFileBytes = 256 * 1024

    static func read(_ path: String, _ option: String) throws -> String {
        do {
            return try BoundedFile.text(path, maxBytes: maxInputFileBytes)
        } catch .unreadable {
            throw CLIError("\(option): cannot read \(path)")
        } catch .tooLarge {
            throw CLIError("\(option): \(path) is larger than \(maxInputFileBytes / 1024) KiB; give the text alone")
        } catch .notUTF8 {
            throw CLIError("\(option): \(path) is not plain text (UTF-8); save a PDF or Word file as .txt first")
        }
    }

    /// Watches the run to a final state; a live status line on a terminal (standard error).
    static func follow(_ client: CareerAIClient, _ run: RunMessage, json: Bool) async throws(RPCError) -> RunMessage {
        var last = run
        let live = !json && isatty(STDERR_FILENO) == 1
        do {
            for try await update in try await client.runs.watch(id: run.id, timeoutMs: 15 * 60 * 1000) {
                last = update
                if live {
                    FileHandle.standardError.write(
                        Data("\r\u{1B}[K  run \(update.id.prefix(8))…  \(update.status)".utf8))
                } else if !json {
                    Prompt.say("  \(update.status)")
                }
            }
        } catch let error as RPCError {
            throw error
        } catch {
            throw RPCError(.unknown, "\(error)", reason: .watchFailed)
        }
        if live { FileHandle.standardError.write(Data("\n".utf8)) }
        return last
    }

    static func show(_ run: RunMessage, json: Bool) {
        if json {
            Output.json(object(run))
            return
        }
        var text =
            "run \(run.id)  \(run.kind)  \(run.status)  cost \(run.cost?.amount ?? 0) \(run.cost?.currency ?? "")"
        if !run.errorReason.isEmpty { text += "\n  failed: \(run.errorReason) (credits refunded)" }
        if let usage = run.usage, usage.modelCalls > 0 {
            text +=
                "\n  model \(usage.model.isEmpty ? "none" : usage.model): \(usage.modelCalls) calls, "
                + "\(usage.promptTokens) prompt + \(usage.completionTokens) completion tokens"
        }
        if !run.resultJSON.isEmpty { text += "\n\n" + ResultText.render(kind: run.kind, json: run.resultJSON) }
        Output.line(text)
    }

    static func object(_ run: RunMessage) -> [String: Any] {
        [
            "id": run.id, "kind": run.kind, "status": run.status,
            "cost": ["currency": run.cost?.currency ?? "", "amount": run.cost?.amount ?? 0],
            "created_at_unix": run.createdAtUnix, "updated_at_unix": run.updatedAtUnix, "error_reason": run.errorReason,
            "result_json": run.resultJSON,
            "usage": [
                "model": run.usage?.model ?? "", "prompt_tokens": run.usage?.promptTokens ?? 0,
                "completion_tokens": run.usage?.completionTokens ?? 0, "cached_tokens": run.usage?.cachedTokens ?? 0,
                "model_calls": run.usage?.modelCalls ?? 0,
            ],
        ]
    }
}

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "List your runs, newest first.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Runs per page (1…100).") var pageSize: Int32 = 20
    @Option(help: "Continue from a previous page's next token.") var page = ""

    func run() async throws {
        _ = try global.requireTenant()
        let client = try global.makeClient()
        do {
            let page = try await client.runs.list(pageSize: pageSize, pageToken: self.page)
            await client.close()
            if global.json {
                Output.json(["runs": page.runs.map(RunCommand.object), "next_page_token": page.nextPageToken])
                return
            }
            if page.runs.isEmpty { Output.line("no runs yet") }
            for run in page.runs {
                Output.line("\(run.id)  \(Output.date(run.createdAtUnix))  \(run.kind)  \(run.status)")
            }
            if !page.nextPageToken.isEmpty { Output.line("more: careerai runs --page \(page.nextPageToken)") }
        } catch {
            Output.fail(error, target: global.target)
        }
    }
}
