import Client
import Contract
import Foundation
import RPCCore
import Wire

/// The books after the faults, read back through the API (what the database holds, as the
/// students may see it) and `careerai-server audit`.
struct FaultVerdict {
    /// Each student's silver grant: far more than the suite can spend.
    static let grant: Int64 = 1_000_000

    var runsInDatabase = 0
    var succeeded = 0
    var failedRefunded = 0
    /// Answered runs the database does not hold, or holds unfinished.
    var lost = 0
    /// Runs in the database no answer carried: a start charged twice for one key.
    var doubleCharges = 0
    /// Students whose balance is not the grant less the cost of their succeeded runs.
    var walletMismatches = 0
    var auditClean = false
    /// Why the failed runs failed (the reason's code, before its explanation).
    var failedReasons: [String: Int] = [:]
    var notes: [String] = []

    /// `students`: each one's client and the silver it had before its first run.
    static func check(
        students: [(client: CareerAIClient, silver: Int64)], observations: FaultObservations, cluster: FaultCluster
    ) async throws -> FaultVerdict {
        var verdict = FaultVerdict()
        let answered = observations.snapshot().answered
        for (index, (client, silver)) in students.enumerated() {
            let runs = try await Self.allRuns(client)
            verdict.runsInDatabase += runs.count
            let held = Dictionary(runs.map { ($0.id, $0) }) { first, _ in first }
            let mine = answered[index] ?? []
            for id in mine {
                guard let run = held[id] else {
                    verdict.lost += 1
                    verdict.notes.append("student \(index): answered run \(id) is not in the database")
                    continue
                }
                if run.statusValue?.isFinal != true {
                    verdict.lost += 1
                    verdict.notes.append("student \(index): run \(id) is still \(run.status)")
                }
            }
            for run in runs where !mine.contains(run.id) {
                verdict.doubleCharges += 1
                verdict.notes.append("student \(index): run \(run.id) (\(run.status)) was never answered")
            }
            var spent: Int64 = 0
            for run in runs {
                switch run.statusValue {
                case .succeeded:
                    verdict.succeeded += 1
                    spent += run.cost?.amount ?? 0
                case .failed:
                    verdict.failedRefunded += 1
                    let code = run.errorReason.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
                    verdict.failedReasons[code, default: 0] += 1
                default:
                    spent += run.cost?.amount ?? 0  // still held (reported as lost above)
                }
            }
            let wallet = try await Self.retrying { try await client.wallet.wallet(timeoutMs: 10_000) }
            if wallet.silver != silver - spent {
                verdict.walletMismatches += 1
                verdict.notes.append("student \(index): \(wallet.silver) silver, expected \(silver - spent)")
            }
        }
        let (status, output) = try cluster.audit()
        verdict.auditClean = status == 0
        if status != 0 { verdict.notes.append("audit: \(output.prefix(2_000))") }
        return verdict
    }

    /// Every run of the student, newest first, through ListRuns' pages.
    static func allRuns(_ client: CareerAIClient) async throws -> [RunMessage] {
        var runs: [RunMessage] = []
        var token = ""
        repeat {
            let page = try await retrying {
                try await client.runs.list(pageSize: 100, pageToken: token, timeoutMs: 10_000)
            }
            runs += page.runs
            token = page.nextPageToken
        } while !token.isEmpty && runs.count < 1_000_000
        return runs
    }

    /// The system has recovered by now; a transient error is retried a few times all the same.
    static func retrying<T>(_ body: () async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await body()
            } catch let error as RPCError {
                attempt += 1
                guard attempt < 20, FaultStudent.isTransient(error) else { throw error }
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }
}
