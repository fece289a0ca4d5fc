import Contract
import HTTPTypes
import Hummingbird
import JSONTranscoding
import RPCCore

/// Sign-in: email codes, Google, the session cookie and its CSRF token, logout.
enum AuthRoutes {
    static let googleStateLifetimeS: Int64 = 600

    static func routes() -> [Route] {
        [
            Route(
                .post, "/v1/auth/otp", access: .open, summary: "Email a six-digit sign-in code",
                input: .body(MessageSchema(RequestEmailOtpRequest.self)),
                answer: .message(
                    protoName: "RequestEmailOtpResponse", schema: MessageSchema(RequestEmailOtpResponse.self))
            ) { call throws(RESTError) in try await call.forward(Methods.AuthService.requestEmailOtp) },
            Route(
                .post, "/v1/auth/otp/verify", access: .open,
                summary:
                    "Sign in with the emailed code: sets the session cookie and answers {user, csrfToken}, or with tokenDelivery \"bearer\" answers {user, token, expiresAtUnix} and sets no cookie",
                input: .body(MessageSchema(VerifyEmailOtpRequest.self), extra: ["tokenDelivery": "cookie|bearer"]),
                answer: .customJSON(name: "SignInResult"), handler: verify),
            Route(
                .post, "/v1/auth/logout", access: .session, summary: "Revoke the session and clear its cookie",
                answer: .customJSON(name: "Empty")
            ) { call throws(RESTError) in
                _ = try await call.services.gateway.unary(
                    Methods.AuthService.signOut, json: .object([]), metadata: call.metadata, timeoutMs: call.timeoutMs)
                var headers = HTTPFields()
                headers[.setCookie] = SessionCookies.clearedSession(host: call.host)
                return JSONResponse.make(.object([]), headers: headers)
            },
            Route(
                .get, "/v1/auth/google", access: .open,
                summary: "Redirect to Google's sign-in (state and PKCE verifier kept in a signed cookie)",
                answer: .redirect, handler: googleStart),
            Route(
                .get, "/v1/auth/google/callback", access: .open,
                summary:
                    "Google's redirect back: checks state, signs in, sets the session cookie and redirects to the app",
                input: .query([("code", "string"), ("state", "string")]), answer: .redirect, handler: googleCallback),
            Route(
                .get, "/v1/me", access: .session,
                summary: "The signed-in user (and, for a cookie session, its CSRF token in X-CSRF-Token)",
                answer: .message(protoName: "User", schema: MessageSchema(UserMessage.self))
            ) { call throws(RESTError) in
                var response = try await call.forward(Methods.AuthService.getMe, json: .object([]))
                if call.authenticatedByCookie, let token = call.sessionToken {
                    response.headers[HTTPField.Name("X-CSRF-Token")!] = call.services.tokens.csrfToken(
                        forSession: token)
                }
                return response
            },
        ]
    }

    static func verify(_ call: RESTCall) async throws(RESTError) -> Response {
        guard case .object(var members) = call.body else { throw RESTError.malformed("expected an object") }
        var delivery = "cookie"
        if let index = members.firstIndex(where: { $0.key == "tokenDelivery" || $0.key == "token_delivery" }) {
            guard let value = members[index].value.stringValue, value == "cookie" || value == "bearer" else {
                throw RESTError.malformed("tokenDelivery must be \"cookie\" or \"bearer\"", field: "tokenDelivery")
            }
            delivery = value
            members.remove(at: index)
        }
        let answer = try await call.services.gateway.unary(
            Methods.AuthService.verifyEmailOtp, json: .object(members), metadata: call.metadata,
            timeoutMs: call.timeoutMs)
        return signedIn(answer.message, answer.json, delivery: delivery, call: call)
    }

    static func signedIn(_ session: SessionMessage, _ json: JSONValue, delivery: String, call: RESTCall) -> Response {
        let user = json["user"] ?? .null
        if delivery == "bearer" {
            return JSONResponse.make(
                .object([
                    ("user", user), ("token", .string(session.token)),
                    ("expiresAtUnix", .number(String(session.expiresAtUnix))),
                ]))
        }
        var headers = HTTPFields()
        headers[.setCookie] = SessionCookies.sessionCookie(
            token: session.token, expiresAtUnix: session.expiresAtUnix, host: call.host, nowUnix: RESTServices.nowUnix()
        )
        return JSONResponse.make(
            .object([("user", user), ("csrfToken", .string(call.services.tokens.csrfToken(forSession: session.token)))]
            ),
            headers: headers)
    }

    static func redirectURI(_ call: RESTCall) -> String {
        "\(call.scheme)://\(call.host ?? "localhost")/v1/auth/google/callback"
    }

    static func googleStart(_ call: RESTCall) async throws(RESTError) -> Response {
        let state = SignedTokens.random(bytes: 24)
        let verifier = SignedTokens.random(bytes: 32)
        let answer = try await call.services.gateway.unary(
            Methods.AuthService.googleAuthUrl,
            json: .object([
                ("redirectUri", .string(redirectURI(call))), ("state", .string(state)),
                ("codeChallenge", .string(SignedTokens.pkceChallenge(verifier: verifier))),
            ]),
            metadata: call.metadata, timeoutMs: call.timeoutMs)
        let cookie = call.services.tokens.googleState(
            state: state, verifier: verifier, expiresAtUnix: RESTServices.nowUnix() + googleStateLifetimeS)
        var headers = HTTPFields()
        headers[.location] = answer.message.url
        headers[.setCookie] = SessionCookies.googleStateCookie(cookie, host: call.host, maxAgeS: googleStateLifetimeS)
        return Response(status: .found, headers: headers)
    }

    static func googleCallback(_ call: RESTCall) async throws(RESTError) -> Response {
        let mismatch = RESTError(
            RPCError(
                .invalidArgument, "this sign-in did not start in this browser, or took over 10 minutes: start again",
                reason: .oauthStateMismatch))
        guard
            let kept = call.services.tokens.openGoogleState(
                SessionCookies.value(SessionCookies.googleStateName, in: call.request), nowUnix: RESTServices.nowUnix()),
            let state = call.query("state"),
            SignedTokens.constantTimeEqual(Array(state.utf8), Array(kept.state.utf8))
        else { throw mismatch }
        if let googleError = call.query("error") {
            throw RESTError(
                RPCError(
                    .unauthenticated, "Google did not sign you in: \(googleError.prefix(64))",
                    reason: .googleCodeRejected))
        }
        guard let code = call.query("code"), !code.isEmpty, code.utf8.count <= 2048 else {
            throw RESTError.malformed("the callback has no code", field: "code")
        }
        let answer = try await call.services.gateway.unary(
            Methods.AuthService.googleSignIn,
            json: .object([
                ("code", .string(code)), ("redirectUri", .string(redirectURI(call))),
                ("codeVerifier", .string(kept.verifier)),
            ]),
            metadata: call.metadata, timeoutMs: call.timeoutMs)
        var headers = HTTPFields()
        headers[.location] = "/#/wallet"
        headers.append(HTTPField(name: .setCookie, value: SessionCookies.clearedGoogleState(host: call.host)))
        headers.append(
            HTTPField(
                name: .setCookie,
                value: SessionCookies.sessionCookie(
                    token: answer.message.token, expiresAtUnix: answer.message.expiresAtUnix, host: call.host,
                    nowUnix: RESTServices.nowUnix())))
        return Response(status: .seeOther, headers: headers)
    }
}
