import ArgumentParser
import Domain
import Foundation
import Storage

/// `careerai-server audit`: checks the money invariants; exit 1 and the offenders when broken.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check that every wallet equals the sum of its ledger and every failed run has exactly one refund.")

    func run() async throws {
        let database = await AdminSupport.database(AdminSupport.configuration())
        let report: LedgerAudit.Report
        do {
            report = try await LedgerAudit(source: SQLLedgerAuditSource(database: database)).run()
        } catch {
            AdminSupport.fail(error)
        }
        await database.close()
        guard report.isClean else {
            for offender in report.offenders { print("offender: \(offender)") }
            AdminSupport.fail(
                "audit failed: \(report.offenders.count) offenders among \(report.walletsChecked) wallets and \(report.failedRunsChecked) failed runs"
            )
        }
        print(
            "audit ok: \(report.walletsChecked) wallets equal their ledgers; \(report.failedRunsChecked) failed runs refunded exactly once"
        )
    }
}
