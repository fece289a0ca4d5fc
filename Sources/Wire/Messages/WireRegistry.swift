/// Every Swift message type, so that tests can check each against its C descriptor and round-trip it.
/// A new message type goes here too.
public enum WireRegistry {
    public static let allMessageTypes: [any WireMessage.Type] = [
        Frame.self, Status.self, ErrorInfo.self,
        HealthCheckRequest.self, HealthCheckResponse.self,
        UniversityMessage.self, ResolveUniversityRequest.self, GetCurrentUniversityRequest.self,
        CreateUniversityRequest.self, UpdateUniversityRequest.self,
        UserMessage.self, SessionMessage.self, RequestEmailOtpRequest.self, RequestEmailOtpResponse.self,
        VerifyEmailOtpRequest.self, GoogleAuthUrlRequest.self, GoogleAuthUrlResponse.self, GoogleSignInRequest.self,
        GetMeRequest.self, SignOutRequest.self, SignOutResponse.self,
        WalletMessage.self, GetWalletRequest.self, CreditTransactionMessage.self, ListTransactionsRequest.self, ListTransactionsResponse.self, TopUpRequest.self, TopUpResponse.self, FeatureCostMessage.self, GetFeatureCostsRequest.self, GetFeatureCostsResponse.self, RunCostMessage.self, RunMessage.self, StartJobPackRequest.self, StartSkillMapperRequest.self, GetRunRequest.self, ListRunsRequest.self, ListRunsResponse.self, WatchRunRequest.self,
    ]
}
