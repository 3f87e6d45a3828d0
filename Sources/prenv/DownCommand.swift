import ArgumentParser
import Foundation
import Orchestrator
import PrenvApp

/// `prenv down`: destroy a pull request's environments from recorded state alone (dependents first),
/// so teardown works even when the blueprint changed or was deleted.
struct DownCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down",
        abstract: "Destroy the environment(s) of one pull request, in reverse dependency order, from recorded state."
    )

    @Option(help: "The repository, as OWNER/NAME.") var repo: String
    @Option(help: "The pull request number.") var pr: Int
    @Option(help: "Only the environment of this blueprint (default: every blueprint's).") var blueprint: String?
    @OptionGroup var stateOptions: StateOptions
    @OptionGroup var pollingOptions: PollingOptions

    func run() async throws {
        try await stateOptions.withState(down)
    }

    private func down(state: OpenedState) async throws {
        let store = state.store
        let instance = try await stateOptions.announceInstance(state: state)
        let records = try await store.list().filter {
            $0.key.repository == repo && $0.key.pr == pr && (blueprint == nil || $0.key.blueprint == blueprint)
        }
        guard !records.isEmpty else {
            say("no environment recorded for \(repo)#\(pr)\(blueprint.map { " (blueprint \($0))" } ?? ""); nothing to destroy")
            return
        }
        let executor = try orExit { () throws(StartupError) in try Composition.executor(store: store, polling: pollingOptions.polling, instance: instance.value) }
        var failed = false
        for record in records {
            say("down \(record.key) (environment \(record.envName))")
            let printer = ProgressPrinter(nodeIDs: Array(record.nodes.keys))
            let result = await executor.destroy(recorded: record, onEvent: printer.handle)
            if result.succeeded {
                say("environment \(record.key) destroyed")
            } else {
                failed = true
                if let error = result.error { printToStandardError("error: \(error)") }
                printToStandardError("environment \(record.key) not fully destroyed: \(result.summary); run `prenv down` again after fixing the cause")
            }
        }
        if failed { throw ExitCode(1) }
    }
}
