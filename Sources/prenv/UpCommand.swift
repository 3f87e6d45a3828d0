import ArgumentParser
import Blueprint
import Foundation
import Orchestrator
import PrenvApp

/// `prenv up`: provision (or update) one pull request's environment from a blueprint, with live progress.
struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Create or update the environment of one pull request, in dependency order, in parallel where possible."
    )

    @OptionGroup var pullRequest: PullRequestOptions
    @OptionGroup var stateOptions: StateOptions
    @OptionGroup var pollingOptions: PollingOptions

    func run() async throws {
        let loaded = try pullRequest.loadBlueprint()
        let context = pullRequest.context
        let key = EnvironmentKey(repository: pullRequest.repo, pr: pullRequest.pr, blueprint: loaded.name)
        try await stateOptions.withState { state in try await up(key: key, blueprint: loaded, context: context, state: state) }
    }

    private func up(key: EnvironmentKey, blueprint loaded: Blueprint, context: PRContext, state: OpenedState) async throws {
        let store = state.store
        let instance = try await stateOptions.announceInstance(state: state)
        let recorded = try await store.load(key)
        let plan = Planner.plan(blueprint: loaded, context: context, recorded: recorded)
        let executor = try orExit { () throws(StartupError) in try Composition.executor(store: store, polling: pollingOptions.polling, instance: instance.value) }
        say("up \(key) (environment \(loaded.envName(for: context)), head \(pullRequest.sha.prefix(12)))")
        let printer = ProgressPrinter(nodeIDs: plan.steps.map(\.id))
        let result = await executor.apply(plan: plan, blueprint: loaded, context: context, key: key, onEvent: printer.handle)
        if result.succeeded {
            say("environment \(key) is up")
            for (id, outputs) in (result.record?.createdOutputs ?? [:]).sorted(by: { $0.key < $1.key }) {
                say("  \(id): " + outputs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
            }
        } else {
            if let error = result.error { printToStandardError("error: \(error)") }
            printToStandardError("environment \(key) is not up: \(result.summary)")
            throw ExitCode(1)
        }
    }
}
