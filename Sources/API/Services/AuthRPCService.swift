import Contract
import Domain
import RPCCore
import RPCServer
import Wire

/// `careerai.v1.AuthService` over the domain's AuthService.
public struct AuthRPCService: RPCService {

    private let auth: AuthService
    private let clientAddresses: ClientAddressResolver

    public init(auth: AuthService, clientAddresses: ClientAddressResolver) {
        self.auth = auth
        self.clientAddresses = clientAddresses
    }

    public func registerMethods(with router: inout RPCRouter) {
        router.unary(Methods.AuthService.requestEmailOtp) { (request: RequestEmailOtpRequest, context) in
            let issued = try await auth.requestEmailOtp(
                email: request.email, tenant: context.metadata[MetadataKey.tenant],
                // The code limiter counts an IPv6 host's /64 (it may use any address in it).
                clientAddress: clientAddresses.address(of: context).map(IPAddressText.limitKey))
            var response = RequestEmailOtpResponse()
            response.expiresInS = Int32(clamping: issued.expiresInSeconds)
            response.resendAfterS = Int32(clamping: issued.resendAfterSeconds)
            return response
        }
        router.unary(Methods.AuthService.verifyEmailOtp) { (request: VerifyEmailOtpRequest, context) in
            Self.message(
                try await auth.verifyEmailOtp(
                    email: request.email, code: request.code,
                    tenant: context.metadata[MetadataKey.tenant]))
        }
        router.unary(Methods.AuthService.googleAuthUrl) { (request: GoogleAuthUrlRequest, context) in
            let authorization = try await auth.googleAuthorizationURL(
                redirectURI: request.redirectURI, state: request.state, codeChallenge: request.codeChallenge,
                tenant: context.metadata[MetadataKey.tenant])
            var response = GoogleAuthUrlResponse()
            response.url = authorization.url
            response.state = authorization.state
            return response
        }
        router.unary(Methods.AuthService.googleSignIn) { (request: GoogleSignInRequest, context) in
            Self.message(
                try await auth.googleSignIn(
                    code: request.code, redirectURI: request.redirectURI, codeVerifier: request.codeVerifier,
                    tenant: context.metadata[MetadataKey.tenant]))
        }
        router.unary(Methods.AuthService.getMe) { (_: GetMeRequest, context) in
            Self.message(try context.requirePrincipal().user)
        }
        router.unary(Methods.AuthService.signOut) { (_: SignOutRequest, context) in
            try await auth.signOut(try context.requirePrincipal())
            return SignOutResponse()
        }
    }

    public static func message(_ session: Session) -> SessionMessage {
        var message = SessionMessage()
        message.token = session.token
        message.expiresAtUnix = session.expiresAtUnix
        message.user = Self.message(session.user)
        return message
    }

    public static func message(_ user: User) -> UserMessage {
        var message = UserMessage()
        message.id = user.id
        message.name = user.name
        message.email = user.email
        message.emailVerified = user.emailVerified
        message.googleID = user.googleID ?? ""
        message.universityID = user.universityID.rawValue
        message.role = user.role.rawValue
        message.isPro = user.isPro
        message.createdAtUnix = user.createdAtUnix
        return message
    }
}
