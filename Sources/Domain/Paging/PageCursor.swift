/// Where a page of a newest-first list continues: the last row's time and id (keyset pagination).
public struct PageCursor: Sendable, Equatable {
    public var createdAtUnix: Int64
    public var id: String

    public init(createdAtUnix: Int64, id: String) {
        self.createdAtUnix = createdAtUnix
        self.id = id
    }

    /// `"<unix>.<id>"`, opaque to clients.
    public var token: String { "\(createdAtUnix).\(id)" }

    public static func parse(_ token: String) throws -> PageCursor? {
        guard !token.isEmpty else { return nil }
        let parts = token.split(separator: ".", maxSplits: 1)
        guard token.utf8.count <= 128, parts.count == 2, let time = Int64(parts[0]), !parts[1].isEmpty else {
            throw DomainError.invalidField("page_token", "not a page token from this server", reason: "INVALID_PAGE_TOKEN")
        }
        return PageCursor(createdAtUnix: time, id: String(parts[1]))
    }

    /// A page from `limit + 1` rows fetched after the cursor: the first `limit`, and the token of the
    /// last of them when there was one more (else "", the last page).
    static func page<Row>(_ fetched: [Row], limit: Int, cursor: (Row) -> PageCursor) -> (rows: [Row], next: String) {
        let rows = Array(fetched.prefix(limit))
        let next = fetched.count > limit ? rows.last.map { cursor($0).token } ?? "" : ""
        return (rows, next)
    }

    public static let maxPageSize = 100
    public static let defaultPageSize = 20

    public static func pageSize(_ requested: Int32) throws -> Int {
        guard requested >= 0, requested <= maxPageSize else {
            throw DomainError.invalidField("page_size", "must be 1 to \(maxPageSize) (0 means \(defaultPageSize))")
        }
        return requested == 0 ? defaultPageSize : Int(requested)
    }
}
