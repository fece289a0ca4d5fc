import ArgumentParser
import Client
import Contract
import Foundation
import Wire

struct WalletCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wallet", abstract: "Show your silver and gold credits.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        _ = try global.requireTenant()
        let client = try global.makeClient()
        do {
            let wallet = try await client.wallet.wallet()
            await client.close()
            if global.json {
                Output.json(["silver": wallet.silver, "gold": wallet.gold, "updated_at_unix": wallet.updatedAtUnix])
            } else {
                Output.line("\(wallet.silver) silver, \(wallet.gold) gold")
            }
        } catch {
            Output.fail(error, target: global.target)
        }
    }
}

struct TransactionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transactions", abstract: "List your credit ledger, newest first.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Rows per page (1…100).") var pageSize: Int32 = 20
    @Option(help: "Continue from a previous page's next token.") var page = ""

    func run() async throws {
        _ = try global.requireTenant()
        let client = try global.makeClient()
        do {
            let page = try await client.wallet.transactions(pageSize: pageSize, pageToken: self.page)
            await client.close()
            if global.json {
                Output.json(["transactions": page.transactions.map(Self.object), "next_page_token": page.nextPageToken])
                return
            }
            if page.transactions.isEmpty { Output.line("no transactions") }
            for row in page.transactions {
                let date = Output.date(row.timestamp)
                let what = [row.type, row.feature, row.runID.isEmpty ? "" : "run \(row.runID)"].filter { !$0.isEmpty }
                    .joined(separator: " ")
                Output.line(
                    "\(date)  \(row.amount > 0 ? "+" : "")\(row.amount) \(row.currency)  \(what)  [\(row.status)]")
            }
            if !page.nextPageToken.isEmpty { Output.line("more: careerai transactions --page \(page.nextPageToken)") }
        } catch {
            Output.fail(error, target: global.target)
        }
    }

    static func object(_ row: CreditTransactionMessage) -> [String: Any] {
        [
            "id": row.id, "user_id": row.userID, "university_id": row.universityID, "feature": row.feature,
            "currency": row.currency,
            "amount": row.amount, "type": row.type, "run_id": row.runID, "status": row.status, "metadata": row.metadata,
            "timestamp": row.timestamp,
        ]
    }
}

struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin", abstract: "University admin tasks.", subcommands: [TopUp.self])

    struct TopUp: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "topup", abstract: "Give a student of your university credits.")

        @OptionGroup var global: GlobalOptions
        @Option(help: "The student: a user id (careerai me --json shows it) or their university email.")
        var user: String
        @Option(help: "Silver credits to add.") var silver: Int64 = 0
        @Option(help: "Gold credits to add.") var gold: Int64 = 0
        @Option(help: "Why (kept in the ledger).") var reason = ""
        @Option(help: "Makes a retry safe: the same key tops up once (default: a new key per run of this command).")
        var idempotencyKey: String?

        func validate() throws {
            guard (silver > 0) != (gold > 0), silver >= 0, gold >= 0 else {
                throw ValidationError("give exactly one of --silver N or --gold N, N > 0")
            }
        }

        func run() async throws {
            _ = try global.requireTenant()
            let client = try global.makeClient()
            let (currency, amount) = silver > 0 ? ("silver", silver) : ("gold", gold)
            do {
                let byEmail = user.contains("@")
                let result = try await client.wallet.topUp(
                    userID: byEmail ? "" : user, email: byEmail ? user : "", currency: currency, amount: amount,
                    reason: reason,
                    idempotencyKey: idempotencyKey ?? UUID().uuidString)
                await client.close()
                let wallet = result.wallet ?? WalletMessage()
                if global.json {
                    Output.json([
                        "silver": wallet.silver, "gold": wallet.gold, "transaction_id": result.transaction?.id ?? "",
                    ])
                } else {
                    Output.line(
                        "Added \(amount) \(currency); the wallet now holds \(wallet.silver) silver, \(wallet.gold) gold."
                    )
                }
            } catch {
                Output.fail(error, target: global.target)
            }
        }
    }
}
