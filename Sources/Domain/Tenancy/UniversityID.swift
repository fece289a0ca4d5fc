/// A university's id. Every repository call on tenant-owned rows takes one, so that a query
/// without a tenant cannot be written by accident.
public struct UniversityID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}
