/// Referral Trainer: messages asking a contact for a referral, from templates (no model).
public struct ReferralRequest: Sendable, Equatable {
    public enum Relationship: String, Sendable, CaseIterable {
        case alumni, friend, recruiter, stranger
    }

    public var company: String
    public var role: String
    public var contactName: String
    public var relationship: Relationship
    public var highlights: [String]

    public init(company: String, role: String, contactName: String, relationship: Relationship, highlights: [String]) {
        self.company = company
        self.role = role
        self.contactName = contactName
        self.relationship = relationship
        self.highlights = highlights
    }
}

public struct ReferralMessage: Codable, Sendable, Equatable {
    public enum Channel: String, Sendable, CaseIterable {
        case linkedInNote = "linkedin_note"
        case email
        case followUp = "follow_up"
    }

    public var channel: String
    public var subject: String
    public var body: String

    public init(channel: Channel, subject: String, body: String) {
        self.channel = channel.rawValue
        self.subject = subject
        self.body = body
    }
}

/// Renders the messages (the Outbound adapter: mustache templates).
public protocol ReferralDrafter: Sendable {
    func draft(_ request: ReferralRequest) throws -> [ReferralMessage]
}

public enum ReferralTool {
    /// LinkedIn's limit on a connection note.
    public static let linkedInNoteLimit = 300
    public static let maxField = 100
    public static let maxHighlights = 5
    public static let maxHighlight = 300

    /// Validates and trims the request (raw relationship text comes from the API).
    public static func request(
        company: String, role: String, contactName: String, relationship: String, highlights: [String]
    ) throws -> ReferralRequest {
        guard let kind = ReferralRequest.Relationship(rawValue: relationship.lowercased()) else {
            throw DomainError.invalidField(
                "relationship",
                "must be one of \(ReferralRequest.Relationship.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return try check(
            ReferralRequest(
                company: company, role: role, contactName: contactName, relationship: kind, highlights: highlights))
    }

    public static func check(_ request: ReferralRequest) throws -> ReferralRequest {
        var request = request
        func field(_ name: String, _ value: String) throws -> String {
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { throw DomainError.invalidField(name, "is required") }
            guard trimmed.count <= maxField else {
                throw DomainError.invalidField(name, "at most \(maxField) characters")
            }
            guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw DomainError.invalidField(name, "must be one line of text")
            }
            return trimmed
        }
        request.company = try field("company", request.company)
        request.role = try field("role", request.role)
        request.contactName = try field("contact_name", request.contactName)
        guard request.highlights.count <= maxHighlights else {
            throw DomainError.invalidField("highlights", "at most \(maxHighlights) highlights")
        }
        request.highlights = try request.highlights.map { highlight in
            let trimmed = highlight.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty, trimmed.count <= maxHighlight else {
                throw DomainError.invalidField("highlights", "each highlight is 1 to \(maxHighlight) characters")
            }
            return trimmed
        }
        return request
    }

    /// What every draft must be: one per channel, each greeting the contact by name and naming the
    /// company, the LinkedIn note within its limit.
    public static func checkDrafts(_ messages: [ReferralMessage], for request: ReferralRequest) throws {
        let firstName = request.contactName.split(separator: " ").first.map(String.init) ?? request.contactName
        for channel in ReferralMessage.Channel.allCases {
            guard let message = messages.first(where: { $0.channel == channel.rawValue }) else {
                throw DomainError(.internal, reason: .invalidArgument, "no \(channel.rawValue) template rendered")
            }
            guard message.body.contains(firstName), message.body.contains(request.company) else {
                throw DomainError(.internal, reason: .invalidArgument, "a \(channel.rawValue) draft lost the name")
            }
            if channel == .linkedInNote {
                guard message.body.count <= linkedInNoteLimit else {
                    throw DomainError(.internal, reason: .invalidArgument, "the LinkedIn note is too long")
                }
            }
        }
    }
}
