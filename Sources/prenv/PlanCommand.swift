import ArgumentParser
import Blueprint
import Foundation
import Orchestrator

/// `prenv plan`: what prenv would do for one pull request, without touching AWS.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show the plan for one pull request: each resource, its action, dependencies and resolved properties."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, dot
    }

    @OptionGroup var pullRequest: PullRequestOptions
    @Option(help: "Output format: text, json or dot (Graphviz).") var format: Format = .text

    func run() throws {
        let loaded = try pullRequest.loadBlueprint()
        let context = pullRequest.context
        let plan = Planner.plan(blueprint: loaded, context: context, recorded: nil)
        let header = PlanHeader(blueprint: loaded.name, repository: pullRequest.repo, pr: pullRequest.pr, envName: loaded.envName(for: context))
        switch format {
        case .text: print(PlanRendering.text(plan, header: header))
        case .json: print(try PlanRendering.json(plan, header: header))
        case .dot: print(PlanRendering.dot(plan))
        }
    }
}
