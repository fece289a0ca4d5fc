import Foundation

/// The bounds on a university's fields. Each violation names the field it concerns.
public enum UniversityRules {
    public static let maxNameLength = 200
    public static let maxAllowedDomains = 50
    public static let maxProfilePortalHosts = 20
    /// More credits than any university would grant; a bound so that sums cannot overflow.
    public static let maxDefaultCredits: Int64 = 1_000_000

    public static func validate(_ draft: UniversityDraft) throws(DomainError) -> UniversityDraft {
        var draft = draft
        draft.name = draft.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !draft.name.isEmpty, draft.name.count <= maxNameLength else {
            throw .invalidField("name", "a university name is 1-\(maxNameLength) characters")
        }
        try validateSubdomain(draft.subdomain)
        guard draft.allowedDomains.count <= maxAllowedDomains else {
            throw .invalidField("allowed_domains", "at most \(maxAllowedDomains) allowed domains")
        }
        draft.allowedDomains = try draft.allowedDomains.map { domain throws(DomainError) in
            let normalized = domain.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            guard isDomainName(normalized) else {
                throw .invalidField("allowed_domains", "'\(domain.prefix(100))' is not a domain name (e.g. iitb.ac.in)")
            }
            return normalized
        }
        draft.allowedDomains = Array(Set(draft.allowedDomains)).sorted()
        guard draft.profilePortalHosts.count <= maxProfilePortalHosts else {
            throw .invalidField("profile_portal_hosts", "at most \(maxProfilePortalHosts) hosts")
        }
        draft.profilePortalHosts = try draft.profilePortalHosts.map { entry throws(DomainError) in
            let normalized = entry.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            guard PortalHost(normalized) != nil else {
                throw .invalidField(
                    "profile_portal_hosts",
                    "'\(entry.prefix(100))' is not a host or host:port (e.g. portal.iitb.ac.in or 127.0.0.1:8443)")
            }
            return normalized
        }
        draft.profilePortalHosts = Array(Set(draft.profilePortalHosts)).sorted()
        for (field, value) in [("default_silver", draft.defaultSilver), ("default_gold", draft.defaultGold)] {
            guard (0...maxDefaultCredits).contains(value) else {
                throw .invalidField(field, "default credits must be 0...\(maxDefaultCredits)")
            }
        }
        return draft
    }

    /// `[a-z0-9-]{2,63}`, not starting or ending with a hyphen (it is a DNS label).
    public static func validateSubdomain(_ subdomain: String) throws(DomainError) {
        let bytes = Array(subdomain.utf8)
        let allowed = bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
        guard (2...63).contains(bytes.count), allowed, bytes.first != 0x2D, bytes.last != 0x2D else {
            throw .invalidField(
                "subdomain", "a subdomain is 2-63 lowercase letters, digits or hyphens, e.g. iitb",
                reason: .invalidSubdomain)
        }
    }

    /// A DNS name of at least two labels, each 1-63 of [a-z0-9-], not starting or ending with a hyphen.
    public static func isDomainName(_ text: String) -> Bool {
        guard text.utf8.count <= 253 else { return false }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        return labels.allSatisfy { label in
            let bytes = Array(label.utf8)
            return (1...63).contains(bytes.count) && bytes.first != 0x2D && bytes.last != 0x2D
                && bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
        }
    }
}
