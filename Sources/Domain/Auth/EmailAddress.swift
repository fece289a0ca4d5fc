import Foundation

/// Email addresses as sign-in takes them: trimmed, lowercased, bounded, `local@domain` with a DNS
/// domain. Not RFC 5322 in full: quoted local parts and IP literals are refused on purpose.
public enum EmailAddress {
    public static let maxBytes = 254
    static let maxLocalPartBytes = 64
    private static let localPartCharacters = Set("abcdefghijklmnopqrstuvwxyz0123456789.!#$%&'*+/=?^_`{|}~-")

    /// The normalized address — the mailbox: lower case, and without a `+tag` sub-address
    /// (`ada+1@demo.edu` is `ada@demo.edu`, as Google and Microsoft mail deliver it), so that one
    /// mailbox is one account: a student cannot collect a university's starting credits again with
    /// every tag. INVALID_ARGUMENT naming `field` when it is not an address.
    public static func normalize(_ raw: String, field: String = "email") throws -> (address: String, domain: String) {
        let address = raw.trimmingCharacters(in: .whitespaces).lowercased()
        func invalid(_ why: String) -> DomainError {
            DomainError.invalidField(
                field, "'\(address.prefix(80))' is not an email address: \(why)", reason: .invalidEmail)
        }
        guard !address.isEmpty else { throw invalid("it is empty") }
        guard address.utf8.count <= maxBytes else { throw invalid("longer than \(maxBytes) bytes") }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw invalid("it needs exactly one '@'") }
        let local = parts[0]
        let domain = String(parts[1])
        guard !local.isEmpty, local.utf8.count <= maxLocalPartBytes else {
            throw invalid("the part before '@' must be 1 to 64 bytes")
        }
        guard local.allSatisfy({ localPartCharacters.contains($0) }), !local.hasPrefix("."), !local.hasSuffix("."),
            !local.contains("..")
        else {
            throw invalid("the part before '@' has characters that are not allowed")
        }
        guard UniversityRules.isDomainName(domain) else { throw invalid("'\(domain.prefix(80))' is not a domain name") }
        if let plus = local.firstIndex(of: "+"), plus != local.startIndex {
            let mailbox = local[..<plus]
            guard !mailbox.hasSuffix(".") else { throw invalid("the part before '+' may not end with '.'") }
            return ("\(mailbox)@\(domain)", domain)
        }
        return (address, domain)
    }
}
