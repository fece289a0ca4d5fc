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
            throw DomainError.invalidField("page_token", "not a page token from this server", reason: .invalidPageToken)
        }
        return PageCursor(createdAtUnix: time, id: String(parts[1]))
    }

    /// One page of a newest-first list: checks the requested size and token, fetches one row more
    /// than the page holds (after the token's cursor), and returns the page with the token of its
    /// last row when there is more (else "", the last page).
    static func page<Row: KeysetOrdered>(
        size requested: Int32, token: String,
        fetch: (_ after: PageCursor?, _ limit: Int) async throws -> [Row]
    ) async throws -> (rows: [Row], next: String) {
        let limit = try pageSize(requested)
        let fetched = try await fetch(try parse(token), limit + 1)
        let rows = Array(fetched.prefix(limit))
        let next =
            fetched.count > limit
            ? rows.last.map { PageCursor(createdAtUnix: $0.createdAtUnix, id: $0.id).token } ?? "" : ""
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

/// Rows listed newest first by creation time, then id: what a `PageCursor` points into.
public protocol KeysetOrdered {
    var createdAtUnix: Int64 { get }
    var id: String { get }
}

extension Run: KeysetOrdered {}
extension LedgerEntry: KeysetOrdered {}
