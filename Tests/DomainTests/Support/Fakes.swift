import Domain
import Foundation
import Synchronization
import Testing

/// A clock the test moves.
final class TestClock: WallClock, Sendable {
    private let now = Mutex<Int64>(1_800_000_000)
    var nowUnix: Int64 { now.withLock { $0 } }
    func advance(seconds: Int64) { now.withLock { $0 += seconds } }
}

/// Keeps every mail instead of sending it.
final class RecordingMailer: Mailer, Sendable {
    private let mails = Mutex<[OtpMail]>([])
    var sent: [OtpMail] { mails.withLock { $0 } }
    func sendOtp(_ mail: OtpMail) async throws { mails.withLock { $0.append(mail) } }
}

/// A queue that keeps run ids in order and hands them out once each.
final class RecordingQueue: JobQueue, Sendable {
    private let ids = Mutex<[String]>([])
    var queued: [String] { ids.withLock { $0 } }
    func enqueue(runID: String) async throws { ids.withLock { $0.append(runID) } }
    func next(timeoutMs: Int) async throws -> QueueDelivery? { nil }
}

/// A workflow with a fixed answer.
struct FixedWorkflow: Workflow {
    let outcome: Result<String, WorkflowError>
    func run(_ input: RunInput, for run: Run) async throws -> WorkflowOutput {
        WorkflowOutput(resultJSON: try outcome.get())
    }
}

/// Everything a domain test needs, on one in-memory store: the demo university, the services, and
/// ways to make users of any role.
struct DomainWorld {
    let store: InMemoryStore
    let clock: TestClock
    let mailer = RecordingMailer()
    let queue = RecordingQueue()
    let universities: UniversityService
    let auth: AuthService
    let wallets: WalletService
    let runs: RunService
    let demo: University

    static func make(settings: AuthSettings = AuthSettings()) async throws -> DomainWorld {
        let store = InMemoryStore()
        let clock = TestClock()
        let universities = UniversityService(
            repository: store, now: { Date(timeIntervalSince1970: TimeInterval(clock.nowUnix)) })
        let demo = try #require(try await universities.createDemoIfEmpty())
        return DomainWorld(store: store, clock: clock, universities: universities, settings: settings, demo: demo)
    }

    private init(
        store: InMemoryStore, clock: TestClock, universities: UniversityService, settings: AuthSettings,
        demo: University
    ) {
        self.store = store
        self.clock = clock
        self.universities = universities
        self.demo = demo
        auth = AuthService(
            universities: universities, store: store, mailer: mailer, google: UnconfiguredGoogleIdentityProvider(),
            secret: try! ServerSecret(String(repeating: "d0", count: 32)), settings: settings, clock: clock)
        wallets = WalletService(store: store, costs: .builtIn, clock: clock)
        runs = RunService(store: store, queue: queue, costs: .builtIn, clock: clock)
    }

    /// Signs `email` in with the code the mailer received; the principal of the new session.
    func signIn(_ email: String, tenant: String = "demo") async throws -> Principal {
        _ = try await auth.requestEmailOtp(email: email, tenant: tenant, clientAddress: "203.0.113.1")
        let code = try #require(mailer.sent.last { $0.to == email.lowercased() }?.code)
        let session = try await auth.verifyEmailOtp(email: email, code: code, tenant: tenant)
        clock.advance(seconds: 61)  // past the resend cooldown, for the next sign-in of the same address
        return try #require(try await auth.authenticate(authorization: "Bearer \(session.token)", tenant: tenant))
    }

    /// A signed-in user with `role` (set as an operator would).
    func signIn(_ email: String, role: User.Role) async throws -> Principal {
        var principal = try await signIn(email)
        #expect(try await store.setRole(in: principal.user.universityID, userID: principal.user.id, role: role))
        principal.user.role = role
        return principal
    }

    func processor(_ outcome: Result<String, WorkflowError>, limits: RunProcessor.Limits = RunProcessor.Limits())
        -> RunProcessor
    {
        RunProcessor(
            store: store, queue: queue, workflows: { _ in FixedWorkflow(outcome: outcome) }, clock: clock,
            limits: limits)
    }

    func audit() async throws -> LedgerAudit.Report {
        try await LedgerAudit(source: store).run()
    }
}

/// The DomainError a call throws, or nil.
func domainError(_ body: () async throws -> Void) async -> DomainError? {
    do {
        try await body()
        return nil
    } catch let error as DomainError {
        return error
    } catch {
        Issue.record("not a DomainError: \(error)")
        return nil
    }
}
