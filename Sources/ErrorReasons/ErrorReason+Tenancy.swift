// Reasons of universities and tenant resolution.

extension ErrorReason {
    public static let invalidSubdomain = ErrorReason("INVALID_SUBDOMAIN")
    public static let subdomainTaken = ErrorReason("SUBDOMAIN_TAKEN")
    public static let tenantRequired = ErrorReason("TENANT_REQUIRED")
    public static let unknownTenant = ErrorReason("UNKNOWN_TENANT")

    /// Every reason of universities and tenant resolution.
    public static let tenancyReasons: [ErrorReason] = [
        .invalidSubdomain,
        .subdomainTaken,
        .tenantRequired,
        .unknownTenant,
    ]
}
