import Client
import Contract
import Foundation
import RPCCore
import Synchronization
import Wire

/// What the students of the fault suite saw, shared by their tasks and the fault loop.
final class FaultObservations: Sendable {
    struct State {
        /// Per student: every run id an answer carried.
        var answered: [Int: Set<String>] = [:]
        var startsInFlight = 0
        var lastStartAnswer: ContinuousClock.Instant?
        var lastCompletion: ContinuousClock.Instant?
        /// Calls that failed and were retried, by reason (UNAVAILABLE during a fault, mostly).
        var retried: [String: Int] = [:]
        /// Errors that are never retried: each is a finding.
        var fatal: [String] = []
        /// Runs a student gave up waiting for.
        var stuck: [String] = []
        var studentsRunning = 0
        /// Set at the end: students finish the run they have in flight and start no other.
        var stopping = false
    }

    private let state = Mutex(State())

    func snapshot() -> State { state.withLock { $0 } }

    func startBegan() { state.withLock { $0.startsInFlight += 1 } }

    func startEnded(student: Int, runID: String?) {
        state.withLock { state in
            state.startsInFlight -= 1
            if let runID {
                state.answered[student, default: []].insert(runID)
                state.lastStartAnswer = .now
            }
        }
    }

    func studentBegan() { state.withLock { $0.studentsRunning += 1 } }
    func studentEnded() { state.withLock { $0.studentsRunning -= 1 } }
    var isIdle: Bool { state.withLock { $0.studentsRunning == 0 } }
    var isStopping: Bool { state.withLock { $0.stopping } }
    func stop() { state.withLock { $0.stopping = true } }

    func completed() { state.withLock { $0.lastCompletion = .now } }
    func retried(_ reason: String) { state.withLock { $0.retried[reason, default: 0] += 1 } }
    func fatal(_ what: String) { state.withLock { $0.fatal.append(what) } }
    func stuck(_ runID: String) { state.withLock { $0.stuck.append(runID) } }

    /// True once both a start was answered and a run was seen to finish after `instant`.
    func recovered(since instant: ContinuousClock.Instant) -> Bool {
        state.withLock { state in
            guard let start = state.lastStartAnswer, let completion = state.lastCompletion else { return false }
            return start > instant && completion > instant
        }
    }
}

/// One student of the fault suite: starts a Job Pack, waits for it to finish, starts the next — one
/// run in flight each, so the queue stays bounded while faults come and go. Every start carries an
/// idempotency key and is retried with the same key until it is answered, so a start whose answer
/// died with the server is answered by the run it made, never a second one.
struct FaultStudent: Sendable {
    static let callTimeoutMs: UInt32 = 10_000
    /// A start retried this long without an answer is a finding, not a wait.
    static let maxStartWait = Duration.seconds(180)
    /// A run not final after this long is reported stuck.
    static let maxRunWait = Duration.seconds(300)

    let index: Int
    let client: CareerAIClient
    let observations: FaultObservations

    func run() async {
        observations.studentBegan()
        defer { observations.studentEnded() }
        while !observations.isStopping {
            guard let runID = await start() else { return }
            await waitUntilFinal(runID)
        }
    }

    private func start() async -> String? {
        let key = "faults-\(index)-\(UUID().uuidString)"
        let began = ContinuousClock.now
        var wait = Duration.milliseconds(50)
        observations.startBegan()
        while ContinuousClock.now - began < Self.maxStartWait {
            do {
                let run = try await client.runs.startJobPack(
                    RunsBench.request, idempotencyKey: key, timeoutMs: Self.callTimeoutMs)
                observations.startEnded(student: index, runID: run.id)
                return run.id
            } catch {
                guard Self.isTransient(error) else {
                    observations.fatal("start \(key): \(error)")
                    observations.startEnded(student: index, runID: nil)
                    return nil
                }
                observations.retried("start \(error.reason.isEmpty ? "\(error.code)" : error.reason)")
            }
            try? await Task.sleep(for: wait)
            wait = min(wait * 2, .seconds(1))
        }
        observations.fatal("start \(key): no answer within \(Self.maxStartWait)")
        observations.startEnded(student: index, runID: nil)
        return nil
    }

    private func waitUntilFinal(_ runID: String) async {
        let began = ContinuousClock.now
        while ContinuousClock.now - began < Self.maxRunWait {
            do {
                let run = try await client.runs.get(id: runID, timeoutMs: Self.callTimeoutMs)
                if run.statusValue?.isFinal == true {
                    observations.completed()
                    return
                }
            } catch {
                guard Self.isTransient(error) else {
                    observations.fatal("get \(runID): \(error)")
                    return
                }
                observations.retried("get \(error.reason.isEmpty ? "\(error.code)" : error.reason)")
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        observations.stuck(runID)
    }

    /// What a fault causes, and a retry may outlive: the server gone, the database or queue away.
    static func isTransient(_ error: RPCError) -> Bool {
        [.unavailable, .deadlineExceeded, .cancelled, .unknown, .internal, .aborted].contains(error.code)
    }
}
