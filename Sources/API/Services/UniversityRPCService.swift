import Contract
import Domain
import RPCCore
import RPCServer
import Wire

/// `careerai.v1.UniversityService` over the domain's UniversityService.
public struct UniversityRPCService: RPCService {

    private let universities: UniversityService
    private let googleSignIn: Bool

    /// `googleSignIn`: whether this server offers Google sign-in; every answer says so.
    public init(universities: UniversityService, googleSignIn: Bool = false) {
        self.universities = universities
        self.googleSignIn = googleSignIn
    }

    public func registerMethods(with router: inout RPCRouter) {
        let googleSignIn = self.googleSignIn
        router.unary(Methods.UniversityService.resolveUniversity) { (request: ResolveUniversityRequest, _) in
            Self.message(try await universities.resolve(subdomain: request.subdomain), googleSignIn: googleSignIn)
        }
        router.unary(Methods.UniversityService.getCurrentUniversity) { (_: GetCurrentUniversityRequest, context) in
            Self.message(
                try await universities.resolveTenant(context.metadata[MetadataKey.tenant]), googleSignIn: googleSignIn)
        }
        router.unary(Methods.UniversityService.createUniversity) { (request: CreateUniversityRequest, _) in
            Self.message(
                try await universities.create(
                    UniversityDraft(
                        name: request.name, subdomain: request.subdomain, allowedDomains: request.allowedDomains,
                        defaultSilver: request.defaultSilver, defaultGold: request.defaultGold)),
                googleSignIn: googleSignIn)
        }
        router.unary(Methods.UniversityService.updateUniversity) { (request: UpdateUniversityRequest, _) in
            var fields = Set<UniversityService.Field>()
            for name in request.updateMask {
                guard let field = UniversityService.Field(rawValue: name) else {
                    throw DomainError.invalidField("update_mask", "'\(name.prefix(64))' is not an updatable field")
                }
                fields.insert(field)
            }
            return Self.message(
                try await universities.update(
                    subdomain: request.subdomain, fields: fields,
                    to: UniversityDraft(
                        name: request.name, subdomain: request.subdomain, allowedDomains: request.allowedDomains,
                        defaultSilver: request.defaultSilver, defaultGold: request.defaultGold,
                        profilePortalHosts: request.profilePortalHosts)), googleSignIn: googleSignIn)
        }
    }

    static func message(_ university: University, googleSignIn: Bool) -> UniversityMessage {
        var message = UniversityMessage()
        message.googleSignIn = googleSignIn
        message.id = university.id.rawValue
        message.name = university.name
        message.subdomain = university.subdomain
        message.allowedDomains = university.allowedDomains
        message.defaultSilver = university.defaultSilver
        message.defaultGold = university.defaultGold
        message.createdAtUnix = university.createdAtUnix
        message.profilePortalHosts = university.profilePortalHosts
        return message
    }
}
