import Domain
import Foundation

/// Universities in the SQL database (table `universities`; allowed domains as a JSON list).
public struct SQLUniversityRepository: UniversityRepository {
    private let database: any SQLDatabase
    private static let columns =
        "id, name, subdomain, allowed_domains, default_silver, default_gold, created_at, profile_portal_hosts"

    public init(database: any SQLDatabase) {
        self.database = database
    }

    public func create(_ draft: UniversityDraft, id: UniversityID, nowUnix: Int64) async throws -> University {
        let university = University(
            id: id, name: draft.name, subdomain: draft.subdomain, allowedDomains: draft.allowedDomains,
            defaultSilver: draft.defaultSilver, defaultGold: draft.defaultGold, createdAtUnix: nowUnix,
            profilePortalHosts: draft.profilePortalHosts)
        let domains = try Self.encode(draft.allowedDomains)
        let portals = try Self.encode(draft.profilePortalHosts)
        do {
            try await database.transaction { connection in
                try connection.execute(
                    """
                    INSERT INTO universities (id, name, subdomain, allowed_domains, default_silver, default_gold, created_at, updated_at,
                                              profile_portal_hosts)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)
                    """,
                    [
                        .text(id.rawValue), .text(draft.name), .text(draft.subdomain), .text(domains),
                        .integer(draft.defaultSilver), .integer(draft.defaultGold), .integer(nowUnix), .text(portals),
                    ])
            }
        } catch StorageError.uniqueViolation {
            throw DomainError(
                .alreadyExists, reason: .subdomainTaken, "the subdomain '\(draft.subdomain)' is taken",
                details: ["field": "subdomain"])
        } catch let error as StorageError {
            throw error.domainError
        }
        return university
    }

    public func update(_ university: University, nowUnix: Int64) async throws -> University {
        let domains = try Self.encode(university.allowedDomains)
        let portals = try Self.encode(university.profilePortalHosts)
        let changed = try await database.domainTransaction { connection in
            try connection.execute(
                """
                UPDATE universities SET name = $2, allowed_domains = $3, default_silver = $4, default_gold = $5, updated_at = $6,
                    profile_portal_hosts = $7
                WHERE id = $1
                """,
                [
                    .text(university.id.rawValue), .text(university.name), .text(domains),
                    .integer(university.defaultSilver), .integer(university.defaultGold), .integer(nowUnix),
                    .text(portals),
                ])
        }
        guard changed == 1 else {
            throw DomainError(.notFound, reason: .unknownTenant, "the university no longer exists")
        }
        return university
    }

    public func find(subdomain: String) async throws -> University? {
        try await database.domainTransaction { connection in
            try connection.query("SELECT \(Self.columns) FROM universities WHERE subdomain = $1", [.text(subdomain)])
                .first.map(Self.university)
        }
    }

    public func find(id: UniversityID) async throws -> University? {
        try await database.domainTransaction { connection in
            try connection.query("SELECT \(Self.columns) FROM universities WHERE id = $1", [.text(id.rawValue)])
                .first.map(Self.university)
        }
    }

    public func list(limit: Int) async throws -> [University] {
        try await database.domainTransaction { connection in
            try connection.query(
                "SELECT \(Self.columns) FROM universities ORDER BY subdomain LIMIT $1", [.integer(Int64(limit))]
            )
            .map(Self.university)
        }
    }

    public func count() async throws -> Int {
        try await database.domainTransaction { connection in
            Int(try connection.query("SELECT COUNT(*) AS n FROM universities")[0].integer("n"))
        }
    }

    private static func university(_ row: SQLRow) throws -> University {
        University(
            id: UniversityID(try row.text("id")), name: try row.text("name"), subdomain: try row.text("subdomain"),
            allowedDomains: try JSONDecoder().decode([String].self, from: Data(try row.text("allowed_domains").utf8)),
            defaultSilver: try row.integer("default_silver"), defaultGold: try row.integer("default_gold"),
            createdAtUnix: try row.integer("created_at"),
            profilePortalHosts: try JSONDecoder().decode(
                [String].self, from: Data(try row.text("profile_portal_hosts").utf8)))
    }

    private static func encode(_ domains: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(domains), as: UTF8.self)
    }
}
