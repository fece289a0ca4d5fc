/// The money invariants, checked across every university (operator tool, `careerai-server audit`):
/// each wallet equals the sum of its ledger, each failed paid run has exactly one refund, and no
/// other run has any.
public struct LedgerAudit: Sendable {
    public struct Report: Sendable {
        public var walletsChecked = 0
        public var failedRunsChecked = 0
        public var offenders: [String] = []
        public var isClean: Bool { offenders.isEmpty }
    }

    /// At most this many offenders are listed (the counts stay exact).
    public static let maxListed = 1_000

    private let database: any SQLDatabase

    public init(database: any SQLDatabase) {
        self.database = database
    }

    public func run() async throws -> Report {
        try await database.domainTransaction { connection in
            var report = Report()
            let wallets = try connection.query(
                """
                SELECT w.user_id, w.university_id, w.silver, w.gold,
                       COALESCE((SELECT SUM(amount) FROM credit_transactions t WHERE t.user_id = w.user_id AND t.currency = 'silver'), 0) AS ledger_silver,
                       COALESCE((SELECT SUM(amount) FROM credit_transactions t WHERE t.user_id = w.user_id AND t.currency = 'gold'), 0) AS ledger_gold
                FROM credit_wallets w
                """)
            report.walletsChecked = wallets.count
            for row in wallets {
                let (silver, gold) = (try row.integer("silver"), try row.integer("gold"))
                let (ledgerSilver, ledgerGold) = (try row.integer("ledger_silver"), try row.integer("ledger_gold"))
                if silver != ledgerSilver || gold != ledgerGold {
                    report.note(
                        "wallet \(try row.text("user_id")) (university \(try row.text("university_id"))): silver \(silver) vs ledger \(ledgerSilver), gold \(gold) vs ledger \(ledgerGold)"
                    )
                }
            }
            let runs = try connection.query(
                """
                SELECT r.id, r.status, r.cost_amount,
                       (SELECT COUNT(*) FROM credit_transactions t WHERE t.run_id = r.id AND t.type = 'refund') AS refunds
                FROM runs r WHERE r.status = 'failed' OR EXISTS (SELECT 1 FROM credit_transactions t WHERE t.run_id = r.id AND t.type = 'refund')
                """)
            for row in runs {
                let id = try row.text("id")
                let status = try row.text("status")
                let refunds = try row.integer("refunds")
                let cost = try row.integer("cost_amount")
                if status == "failed" {
                    report.failedRunsChecked += 1
                    let expected: Int64 = cost > 0 ? 1 : 0
                    if refunds != expected { report.note("failed run \(id): \(refunds) refunds, expected \(expected)") }
                } else {
                    report.note("run \(id) is \(status) but has \(refunds) refunds")
                }
            }
            return report
        }
    }
}

extension LedgerAudit.Report {
    mutating func note(_ offender: String) {
        if offenders.count < LedgerAudit.maxListed { offenders.append(offender) }
    }
}
