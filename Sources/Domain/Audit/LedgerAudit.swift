/// The money invariants, checked across every university (operator tool, `careerai-server audit`):
/// each wallet equals the sum of its ledger, each failed paid run has exactly one refund, and no
/// other run has any. The rules live here; the store only gathers the figures (`LedgerAuditSource`).
public struct LedgerAudit: Sendable {
    public struct Report: Sendable {
        public var walletsChecked = 0
        public var failedRunsChecked = 0
        public var offenders: [String] = []
        public var isClean: Bool { offenders.isEmpty }

        mutating func note(_ offender: String) {
            if offenders.count < LedgerAudit.maxListed { offenders.append(offender) }
        }
    }

    /// At most this many offenders are listed (the counts stay exact).
    public static let maxListed = 1_000

    private let source: any LedgerAuditSource

    public init(source: any LedgerAuditSource) {
        self.source = source
    }

    public func run() async throws -> Report {
        Self.check(try await source.figures())
    }

    /// The rules, on figures taken in one consistent read.
    public static func check(_ figures: LedgerAuditFigures) -> Report {
        var report = Report()
        report.walletsChecked = figures.wallets.count
        for wallet in figures.wallets
        where wallet.wallet.silver != wallet.ledgerSilver || wallet.wallet.gold != wallet.ledgerGold {
            report.note(
                "wallet \(wallet.userID) (university \(wallet.universityID.rawValue)): silver \(wallet.wallet.silver) vs ledger \(wallet.ledgerSilver), gold \(wallet.wallet.gold) vs ledger \(wallet.ledgerGold)"
            )
        }
        for run in figures.runs {
            if run.status == .failed {
                report.failedRunsChecked += 1
                let expected = run.costAmount > 0 ? 1 : 0
                if run.refunds != expected {
                    report.note("failed run \(run.id): \(run.refunds) refunds, expected \(expected)")
                }
            } else if run.refunds > 0 {
                report.note("run \(run.id) is \(run.status.rawValue) but has \(run.refunds) refunds")
            }
        }
        return report
    }
}

/// What the audit reads: every wallet with its ledger's sums, and every run that failed or has a refund.
public struct LedgerAuditFigures: Sendable {
    public struct WalletFigures: Sendable {
        public var userID: String
        public var universityID: UniversityID
        public var wallet: Wallet
        public var ledgerSilver: Int64
        public var ledgerGold: Int64

        public init(userID: String, universityID: UniversityID, wallet: Wallet, ledgerSilver: Int64, ledgerGold: Int64)
        {
            self.userID = userID
            self.universityID = universityID
            self.wallet = wallet
            self.ledgerSilver = ledgerSilver
            self.ledgerGold = ledgerGold
        }
    }

    public struct RunFigures: Sendable {
        public var id: String
        public var status: Run.Status
        public var costAmount: Int64
        public var refunds: Int

        public init(id: String, status: Run.Status, costAmount: Int64, refunds: Int) {
            self.id = id
            self.status = status
            self.costAmount = costAmount
            self.refunds = refunds
        }
    }

    public var wallets: [WalletFigures]
    /// Runs that failed, and runs of any status with at least one refund row.
    public var runs: [RunFigures]

    public init(wallets: [WalletFigures], runs: [RunFigures]) {
        self.wallets = wallets
        self.runs = runs
    }
}

/// Gathers the audit's figures across every university, in one consistent read.
public protocol LedgerAuditSource: Sendable {
    func figures() async throws -> LedgerAuditFigures
}
