import ArgumentParser
import Client
import Contract
import Foundation
import Wire

struct InternshipsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "internships", abstract: "Kinds of internship that fit you, with the words to search for.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Your interests, comma-separated.") var interests = ""
    @Option(help: "Your skills, comma-separated.") var skills = ""
    @Option(help: "Where you want to work.") var location = ""
    @Option(help: "A file with your resume as text.") var resume: String?
    @Option(help: "Makes a retry safe: the same key is charged once.") var idempotencyKey: String?

    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func run() async throws {
        _ = try global.requireTenant()
        var request = FindInternshipsRequest()
        request.interests = Self.list(interests)
        request.skills = Self.list(skills)
        request.location = location
        if let resume { request.resumeText = try RunCommand.read(resume, "--resume") }
        let client = try global.makeClient()
        do {
            let response = try await client.tools.findInternships(
                request, idempotencyKey: idempotencyKey ?? UUID().uuidString)
            await client.close()
            if global.json {
                Output.json([
                    "suggestions": response.suggestions.map {
                        [
                            "title": $0.title, "field": $0.field, "why_fit": $0.whyFit,
                            "search_keywords": $0.searchKeywords, "skills_to_highlight": $0.skillsToHighlight,
                        ]
                    }
                ])
                return
            }
            for (index, suggestion) in response.suggestions.enumerated() {
                Output.line(
                    """
                    \(index + 1). \(suggestion.title)  (\(suggestion.field))
                    \(ResultText.wrap(suggestion.whyFit, indent: "   "))
                       search: \(suggestion.searchKeywords.joined(separator: " · "))
                       highlight: \(suggestion.skillsToHighlight.joined(separator: ", "))
                    """)
            }
        } catch {
            Output.fail(error, target: global.target)
        }
    }
}

struct ReferralCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "referral",
        abstract: "Messages asking a contact for a referral: a LinkedIn note, an email, a follow-up.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "The company.") var company: String
    @Option(help: "The role you are applying for.") var role: String
    @Option(help: "Your contact's name.") var contact: String
    @Option(help: "alumni, friend, recruiter or stranger.") var relationship: String
    @Option(help: "Something to mention about you (repeat for more, at most 5).") var highlight: [String] = []

    func run() async throws {
        _ = try global.requireTenant()
        var request = DraftReferralRequest()
        request.company = company
        request.role = role
        request.contactName = contact
        request.relationship = relationship
        request.highlights = highlight
        let client = try global.makeClient()
        do {
            let response = try await client.tools.draftReferral(request, idempotencyKey: UUID().uuidString)
            await client.close()
            if global.json {
                Output.json([
                    "messages": response.messages.map {
                        ["channel": $0.channel, "subject": $0.subject, "body": $0.body]
                    }
                ])
                return
            }
            let titles = ["linkedin_note": "LinkedIn note", "email": "Email", "follow_up": "Follow-up"]
            for message in response.messages {
                var text = "── \(titles[message.channel] ?? message.channel) "
                if message.channel == "linkedin_note" { text += "(\(message.body.count)/300 characters) " }
                text += "──\n"
                if !message.subject.isEmpty { text += "Subject: \(message.subject)\n\n" }
                Output.line(text + message.body.trimmingCharacters(in: .newlines) + "\n")
            }
        } catch {
            Output.fail(error, target: global.target)
        }
    }
}
