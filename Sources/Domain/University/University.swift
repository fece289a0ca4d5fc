/// A tenant: a university, reached by its subdomain.
public struct University: Sendable, Equatable {
    public var id: UniversityID
    public var name: String
    public var subdomain: String
    public var allowedDomains: [String]
    public var defaultSilver: Int64
    public var defaultGold: Int64
    public var createdAtUnix: Int64
    /// Hosts (`host` or `host:port`) whose profile pages Skill Mapper may fetch.
    public var profilePortalHosts: [String]

    public init(
        id: UniversityID, name: String, subdomain: String, allowedDomains: [String],
        defaultSilver: Int64, defaultGold: Int64, createdAtUnix: Int64, profilePortalHosts: [String] = []
    ) {
        self.profilePortalHosts = profilePortalHosts
        self.id = id
        self.name = name
        self.subdomain = subdomain
        self.allowedDomains = allowedDomains
        self.defaultSilver = defaultSilver
        self.defaultGold = defaultGold
        self.createdAtUnix = createdAtUnix
    }

    /// Whether students with this email domain may sign up here (case-insensitive).
    public func allows(emailDomain: String) -> Bool {
        allowedDomains.contains(emailDomain.lowercased())
    }
}

/// What creating or changing a university may set.
public struct UniversityDraft: Sendable, Equatable {
    public var name: String
    public var subdomain: String
    public var allowedDomains: [String]
    public var defaultSilver: Int64
    public var defaultGold: Int64
    public var profilePortalHosts: [String]

    public init(
        name: String, subdomain: String, allowedDomains: [String], defaultSilver: Int64, defaultGold: Int64,
        profilePortalHosts: [String] = []
    ) {
        self.profilePortalHosts = profilePortalHosts
        self.name = name
        self.subdomain = subdomain
        self.allowedDomains = allowedDomains
        self.defaultSilver = defaultSilver
        self.defaultGold = defaultGold
    }
}
