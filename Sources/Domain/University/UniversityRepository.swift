/// Where universities are kept (a port; Storage implements it).
public protocol UniversityRepository: Sendable {
    /// Throws `.alreadyExists` (reason `SUBDOMAIN_TAKEN`) when the subdomain is in use.
    func create(_ draft: UniversityDraft, id: UniversityID, nowUnix: Int64) async throws -> University
    func update(_ university: University, nowUnix: Int64) async throws -> University
    func find(subdomain: String) async throws -> University?
    func find(id: UniversityID) async throws -> University?
    /// Ordered by subdomain; `limit` bounds the answer.
    func list(limit: Int) async throws -> [University]
    func count() async throws -> Int
}
