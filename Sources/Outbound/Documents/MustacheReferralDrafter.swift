import Domain
import Mustache

/// Referral Trainer's messages from mustache templates, plain text (`CONTENT_TYPE: TEXT`: nothing
/// is HTML-escaped). Each relationship has its own LinkedIn note, email and follow-up; a note over
/// LinkedIn's 300 characters is rendered again without the highlight, then with the short form.
public struct MustacheReferralDrafter: ReferralDrafter {
    public init() {}

    struct Templates {
        var notes: [MustacheTemplate]
        var emailSubject: MustacheTemplate
        var email: MustacheTemplate
        var followUp: MustacheTemplate
    }

    static func parse(_ text: String) -> MustacheTemplate {
        do { return try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text) } catch {
            preconditionFailure("the referral templates parse: \(error)")
        }
    }

    static let shortNote = parse(
        "Hi {{firstName}}, I'm applying for {{role}} at {{company}}. Would you be open to referring me? Thank you!")

    static let templates: [ReferralRequest.Relationship: Templates] = [
        .alumni: Templates(
            notes: [
                parse(
                    "Hi {{firstName}}, I'm a student at your alma mater applying for the {{role}} role at {{company}}.{{#highlight}} {{highlight}}.{{/highlight}} Would you be open to a quick chat or a referral?"
                )
            ],
            emailSubject: parse("Fellow alum applying for {{role}} at {{company}}"),
            email: parse(
                """
                Hi {{firstName}},

                I'm a student at the university you graduated from, and I'm applying for the {{role}} position at {{company}}. I'd love to hear how you found the move there.
                {{#hasHighlights}}

                A little about me:
                {{#highlights}}
                - {{text}}
                {{/highlights}}
                {{/hasHighlights}}

                If you think I'd be a good fit, would you be willing to refer me? I'm happy to send my resume and the job link, and I'd be glad of fifteen minutes of your advice either way.

                Thank you for your time,
                """),
            followUp: parse(
                """
                Hi {{firstName}},

                I wanted to follow up on my note about the {{role}} role at {{company}}. I know you're busy, so no worries if now isn't a good time. If a referral is possible, I can send everything you need in one email.

                Thanks again,
                """)),
        .friend: Templates(
            notes: [
                parse(
                    "Hey {{firstName}}! I'm applying for {{role}} at {{company}}.{{#highlight}} {{highlight}}.{{/highlight}} Would you be up for referring me?"
                )
            ],
            emailSubject: parse("Could you refer me for {{role}} at {{company}}?"),
            email: parse(
                """
                Hey {{firstName}},

                Hope you're doing well! I'm applying for the {{role}} role at {{company}} and thought of you straight away.
                {{#hasHighlights}}

                Why I think I'd fit:
                {{#highlights}}
                - {{text}}
                {{/highlights}}
                {{/hasHighlights}}

                Would you be comfortable referring me? I'll send my resume and the posting so it takes you two minutes. And honestly, no pressure if it's awkward.

                Thanks a lot,
                """),
            followUp: parse(
                """
                Hey {{firstName}},

                Just bumping my message about the {{role}} role at {{company}}. If a referral isn't possible, any tips about the team would help a lot too.

                Thanks!
                """)),
        .recruiter: Templates(
            notes: [
                parse(
                    "Hello {{firstName}}, I'm a student interested in the {{role}} role at {{company}}.{{#highlight}} {{highlight}}.{{/highlight}} Could we connect about it?"
                )
            ],
            emailSubject: parse("Application for {{role}} at {{company}}"),
            email: parse(
                """
                Hello {{firstName}},

                I'm writing about the {{role}} opening at {{company}}. I'm a university student and believe my background fits what the team is looking for.
                {{#hasHighlights}}

                Highlights:
                {{#highlights}}
                - {{text}}
                {{/highlights}}
                {{/hasHighlights}}

                I would be grateful if you could consider my application or point me to the right person. My resume is attached.

                Best regards,
                """),
            followUp: parse(
                """
                Hello {{firstName}},

                I'm following up on my application for the {{role}} role at {{company}}. I remain very interested and would be happy to provide anything else you need.

                Best regards,
                """)),
        .stranger: Templates(
            notes: [
                parse(
                    "Hi {{firstName}}, I admire your work at {{company}} and I'm applying for the {{role}} role.{{#highlight}} {{highlight}}.{{/highlight}} Would you be open to connecting?"
                )
            ],
            emailSubject: parse("A question about the {{role}} role at {{company}}"),
            email: parse(
                """
                Hi {{firstName}},

                We haven't met, so thank you for reading this. I'm a university student applying for the {{role}} role at {{company}}, and your path there stood out to me.
                {{#hasHighlights}}

                About me:
                {{#highlights}}
                - {{text}}
                {{/highlights}}
                {{/hasHighlights}}

                Would you be open to a short call about the team? If after that you felt comfortable referring me, I'd be very grateful — but your advice alone would be a big help.

                Kind regards,
                """),
            followUp: parse(
                """
                Hi {{firstName}},

                I'm following up on my message about the {{role}} role at {{company}}. I understand if you're busy; even a one-line tip would be much appreciated.

                Kind regards,
                """)),
    ]

    public func draft(_ request: ReferralRequest) throws -> [ReferralMessage] {
        guard let templates = Self.templates[request.relationship] else {
            preconditionFailure("every relationship has templates")
        }
        let firstName = request.contactName.split(separator: " ").first.map(String.init) ?? request.contactName
        var context: [String: Any] = [
            "firstName": firstName, "contactName": request.contactName, "company": request.company,
            "role": request.role, "highlights": request.highlights.map { ["text": $0] },
            "hasHighlights": !request.highlights.isEmpty,
        ]
        // The note carries the first highlight when it fits in LinkedIn's limit.
        var note = ""
        for highlight in [request.highlights.first, nil] {
            context["highlight"] = highlight.map { $0.hasSuffix(".") ? String($0.dropLast()) : $0 } ?? false
            note = templates.notes[0].render(context)
            if note.count <= ReferralTool.linkedInNoteLimit { break }
        }
        if note.count > ReferralTool.linkedInNoteLimit { note = Self.shortNote.render(context) }
        if note.count > ReferralTool.linkedInNoteLimit { note = String(note.prefix(ReferralTool.linkedInNoteLimit)) }
        return [
            ReferralMessage(channel: .linkedInNote, subject: "", body: note),
            ReferralMessage(
                channel: .email, subject: templates.emailSubject.render(context),
                body: templates.email.render(context) + "\n"),
            ReferralMessage(
                channel: .followUp, subject: "Re: " + templates.emailSubject.render(context),
                body: templates.followUp.render(context) + "\n"),
        ]
    }
}
