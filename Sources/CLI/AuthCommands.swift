import ArgumentParser
import Client
import Contract
import Foundation
import Wire

struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Sign in with a one-time code sent to your university email, or with Google.",
        discussion: "The session is stored in ~/.config/careerai/credentials (mode 0600), per server and tenant."
    )

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "Your university email; a one-time code is sent to it.") var email: String?
    @Flag(
        name: .long,
        help: "Sign in with Google: open the printed URL, then paste the code (or the whole address you were sent to).")
    var google = false
    @Option(name: .long, help: "With --google: the redirect URI registered for the OAuth client.")
    var redirectURI = "http://localhost:8765/callback"

    func validate() throws {
        _ = try global.requireTenant()
        guard (email != nil) != google else { throw ValidationError("give either --email ADDRESS or --google") }
    }

    func run() async throws {
        let tenant = try global.requireTenant()
        let client = try global.makeClient(signedIn: false)
        do {
            let session = google ? try await googleSession(client) : try await emailSession(client, email: email!)
            try CredentialStore.default().save(
                .init(token: session.token, expiresAtUnix: session.expiresAtUnix, email: session.user?.email ?? ""),
                server: global.target, tenant: tenant)
            await client.close()
            if global.json {
                Output.json([
                    "email": session.user?.email ?? "", "expires_at_unix": session.expiresAtUnix, "tenant": tenant,
                ])
            } else {
                Output.line(
                    "Signed in as \(session.user?.email ?? "?") at \(tenant) until \(Output.date(session.expiresAtUnix))."
                )
            }
        } catch {
            Output.fail(error, target: global.target)
        }
    }

    private func emailSession(_ client: CareerAIClient, email: String) async throws -> SessionMessage {
        let sent = try await client.auth.requestEmailOtp(email: email)
        Prompt.say("A sign-in code was sent to \(email); it expires in \(sent.expiresInS / 60) minutes.")
        while true {
            let code = try Prompt.ask("Code: ")
            // A Result rather than `catch where` on the typed error: Swift 6.3 crashes compiling the latter in a loop.
            let outcome: Result<SessionMessage, RPCError>
            do { outcome = .success(try await client.auth.verifyEmailOtp(email: email, code: code)) } catch {
                outcome = .failure(error)
            }
            switch outcome {
            case .success(let session):
                return session
            case .failure(let error) where error.has(.otpInvalid) || error.has(.invalidCodeFormat):
                Prompt.say(error.message)
            case .failure(let error):
                throw error
            }
        }
    }

    private func googleSession(_ client: CareerAIClient) async throws -> SessionMessage {
        // PKCE: a code copied from the browser is useless to anyone without this run's verifier.
        let verifier = PKCEVerifier.make()
        let authorization = try await client.auth.googleAuthURL(
            redirectURI: redirectURI, codeChallenge: PKCEVerifier.challenge(of: verifier))
        Prompt.say(
            "Open this address in a browser and sign in with your university Google account:\n\n  \(authorization.url)\n"
        )
        let answer = try Prompt.ask("Paste the code (or the address Google sent you to): ")
        let code = try Self.code(from: answer, expectedState: authorization.state)
        return try await client.auth.googleSignIn(code: code, redirectURI: redirectURI, codeVerifier: verifier)
    }

    /// The code from a pasted redirect address (checking its state) or the bare code.
    static func code(from answer: String, expectedState: String) throws -> String {
        guard answer.contains("code="), let items = URLComponents(string: answer)?.queryItems else { return answer }
        if let state = items.first(where: { $0.name == "state" })?.value, state != expectedState {
            throw CLIError("the pasted address is for another sign-in (state differs); run login again")
        }
        guard let code = items.first(where: { $0.name == "code" })?.value, !code.isEmpty else {
            throw CLIError("the pasted address carries no code")
        }
        return code
    }
}

struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout", abstract: "Sign out: revoke the stored session and forget it.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let tenant = try global.requireTenant()
        let store = CredentialStore.default()
        guard store.entry(server: global.target, tenant: tenant) != nil else {
            try store.remove(server: global.target, tenant: tenant)  // an expired entry goes too
            Output.line("Not signed in at \(tenant).")
            return
        }
        let client = try global.makeClient()
        do {
            try await client.auth.signOut()
        } catch {
            // Already revoked or expired on the server: forgetting it locally is all that is left.
            if error.code != .unauthenticated { Output.fail(error, target: global.target) }
        }
        await client.close()
        try store.remove(server: global.target, tenant: tenant)
        Output.line("Signed out of \(tenant).")
    }
}

struct MeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "me", abstract: "Show who you are signed in as.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let tenant = try global.requireTenant()
        guard CredentialStore.default().entry(server: global.target, tenant: tenant) != nil else {
            Output.fail(
                CLIError("not signed in at \(tenant); run: careerai login --tenant \(tenant) --email YOU@UNIVERSITY"),
                target: global.target)
        }
        let client = try global.makeClient()
        do {
            let user = try await client.auth.me()
            await client.close()
            if global.json {
                Output.json([
                    "id": user.id, "name": user.name, "email": user.email, "email_verified": user.emailVerified,
                    "google_id": user.googleID, "university_id": user.universityID, "role": user.role,
                    "is_pro": user.isPro,
                    "created_at_unix": user.createdAtUnix,
                ])
            } else {
                let name = user.name.isEmpty ? "" : "\(user.name) "
                Output.line(
                    """
                    \(name)<\(user.email)> at \(tenant)
                      role: \(user.role)\(user.isPro ? ", pro" : "")
                      email verified: \(user.emailVerified ? "yes" : "no")\(user.googleID.isEmpty ? "" : ", Google linked")
                    """)
            }
        } catch {
            Output.fail(error, target: global.target)
        }
    }
}

/// Questions on the terminal: prompts go to standard error so standard output stays clean for --json.
enum Prompt {
    static func say(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func ask(_ question: String) throws -> String {
        FileHandle.standardError.write(Data(question.utf8))
        guard let line = readLine(strippingNewline: true) else { throw CLIError("no answer on standard input") }
        return line.trimmingCharacters(in: .whitespaces)
    }
}
