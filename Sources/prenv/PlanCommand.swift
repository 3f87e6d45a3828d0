import ArgumentParser
import Blueprint
import Foundation
import HTTPTransport
import Orchestrator
import PrenvApp

/// `prenv plan`: what prenv would do for one pull request. Without `--read-templates` it touches no
/// AWS at all; with it, it makes read-only calls to show what each resource would take from what
/// already exists (which actions of a template pipeline a clone keeps and drops).
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show the plan for one pull request: each resource, its action, dependencies and resolved properties."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, dot
    }

    @OptionGroup var pullRequest: PullRequestOptions
    @Option(help: "Output format: text, json or dot (Graphviz).") var format: Format = .text
    @Flag(help: "Read the templates the blueprint copies (read-only AWS calls) and show what each resource takes from them.")
    var readTemplates = false

    func run() async throws {
        let loaded = try pullRequest.loadBlueprint()
        let context = pullRequest.context
        let plan = Planner.plan(blueprint: loaded, context: context, recorded: nil)
        let header = PlanHeader(blueprint: loaded.name, repository: pullRequest.repo, pr: pullRequest.pr, envName: loaded.envName(for: context))
        switch format {
        case .text: print(PlanRendering.text(plan, header: header))
        case .json: print(try PlanRendering.json(plan, header: header))
        case .dot: print(PlanRendering.dot(plan))
        }
        if readTemplates { try await printPreviews(plan) }
    }

    /// One block per resource whose provider has something to say, after the plan.
    private func printPreviews(_ plan: Plan) async throws {
        let client = try orExit { () throws(StartupError) in try Composition.awsClient(transport: CurlTransport()) }
        let providers = Dictionary(Composition.providers(client: client, polling: Polling()).map { ($0.type, $0) }) { first, _ in first }
        var failed = false
        for step in plan.steps where step.action != .delete {
            guard let provider = providers[step.type] else { continue }
            do {
                let lines = try await provider.preview(step.properties)
                if !lines.isEmpty { print(([step.id + ":"] + lines.map { "  " + $0 }).joined(separator: "\n")) }
            } catch {
                printToStandardError("error: \(step.id): cannot read what it copies: \(error)")
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }
}
