import Foundation

/// The rules around universities: validation, unique subdomains, tenant resolution.
public struct UniversityService: Sendable {
    public enum Field: String, Sendable, CaseIterable {
        case name
        case allowedDomains = "allowed_domains"
        case defaultSilver = "default_silver"
        case defaultGold = "default_gold"
        case profilePortalHosts = "profile_portal_hosts"
    }

    private let repository: any UniversityRepository
    private let now: @Sendable () -> Date

    public init(repository: any UniversityRepository, now: @escaping @Sendable () -> Date = Date.init) {
        self.repository = repository
        self.now = now
    }

    public func create(_ draft: UniversityDraft) async throws -> University {
        let valid = try UniversityRules.validate(draft)
        return try await repository.create(valid, id: UniversityID(UUID().uuidString.lowercased()), nowUnix: nowUnix)
    }

    /// Changes `fields` of the university at `subdomain` to the draft's values.
    public func update(subdomain: String, fields: Set<Field>, to draft: UniversityDraft) async throws -> University {
        guard !fields.isEmpty else {
            throw DomainError.invalidField(
                "update_mask", "name at least one of: \(Field.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var university = try await resolve(subdomain: subdomain)
        if fields.contains(.name) { university.name = draft.name }
        if fields.contains(.allowedDomains) { university.allowedDomains = draft.allowedDomains }
        if fields.contains(.defaultSilver) { university.defaultSilver = draft.defaultSilver }
        if fields.contains(.defaultGold) { university.defaultGold = draft.defaultGold }
        if fields.contains(.profilePortalHosts) { university.profilePortalHosts = draft.profilePortalHosts }
        let valid = try UniversityRules.validate(
            UniversityDraft(
                name: university.name, subdomain: university.subdomain, allowedDomains: university.allowedDomains,
                defaultSilver: university.defaultSilver, defaultGold: university.defaultGold,
                profilePortalHosts: university.profilePortalHosts))
        university.name = valid.name
        university.allowedDomains = valid.allowedDomains
        university.profilePortalHosts = valid.profilePortalHosts
        return try await repository.update(university, nowUnix: nowUnix)
    }

    /// The university at `subdomain`; NOT_FOUND (`UNKNOWN_TENANT`) when there is none.
    public func resolve(subdomain: String) async throws -> University {
        try UniversityRules.validateSubdomain(subdomain)
        guard let university = try await repository.find(subdomain: subdomain) else {
            throw DomainError(
                .notFound, reason: .unknownTenant, "no university has the subdomain '\(subdomain)'",
                details: ["subdomain": subdomain])
        }
        return university
    }

    /// The tenant a call names in its `x-tenant` metadata.
    public func resolveTenant(_ subdomain: String?) async throws -> University {
        guard let subdomain, !subdomain.isEmpty else {
            throw DomainError.invalidField(
                "x-tenant", "this call needs x-tenant metadata naming your university's subdomain",
                reason: .tenantRequired)
        }
        return try await resolve(subdomain: subdomain)
    }

    public func list(limit: Int = 1_000) async throws -> [University] {
        try await repository.list(limit: min(max(limit, 1), 10_000))
    }

    /// In development, an empty database gets a university to try everything with.
    public func createDemoIfEmpty() async throws -> University? {
        guard try await repository.count() == 0 else { return nil }
        return try await create(
            UniversityDraft(
                name: "Demo University", subdomain: "demo", allowedDomains: ["demo.edu"], defaultSilver: 10,
                defaultGold: 2))
    }

    private var nowUnix: Int64 { Int64(now().timeIntervalSince1970) }
}
