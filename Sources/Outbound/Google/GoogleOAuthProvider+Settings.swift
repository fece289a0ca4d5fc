import Settings

extension GoogleOAuthProvider.Configuration {
    /// `GOOGLE_CLIENT_ID` with `GOOGLE_CLIENT_SECRET`, and the endpoints (overridable for local
    /// stand-ins): `CAREERAI_GOOGLE_TOKEN_URL`, `CAREERAI_GOOGLE_JWKS_URL`, `CAREERAI_GOOGLE_AUTH_URL`,
    /// `CAREERAI_GOOGLE_JWKS_MIN_REFETCH_S`. Nil when no client id is set: Google sign-in is off.
    public static func from(settings root: SettingsReader) throws(ConfigurationError)
        -> GoogleOAuthProvider.Configuration?
    {
        let client = root.scoped(to: "google")
        guard let clientID = client.string("clientId") else { return nil }
        guard let clientSecret = client.string("clientSecret", isSecret: true) else {
            throw ConfigurationError(
                client.variableName("clientSecret"), "must be set when \(client.variableName("clientId")) is")
        }
        var configuration = GoogleOAuthProvider.Configuration(clientID: clientID, clientSecret: clientSecret)
        let endpoints = root.scoped(to: "careerai.google")
        configuration.tokenURL = try endpoints.url("tokenUrl", schemes: ["http", "https"]) ?? configuration.tokenURL
        configuration.jwksURL = try endpoints.url("jwksUrl", schemes: ["http", "https"]) ?? configuration.jwksURL
        configuration.authorizationURL =
            try endpoints.url("authUrl", schemes: ["http", "https"]) ?? configuration.authorizationURL
        configuration.minimumJWKSRefetch = try endpoints.duration(
            "jwksMinRefetchS", .seconds, default: configuration.minimumJWKSRefetch, in: .zero...Duration.seconds(3600))
        return configuration
    }
}
