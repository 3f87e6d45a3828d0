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

    @Option(help: "The blueprint file.") var blueprint: String
    @Option(help: "The repository, as OWNER/NAME.") var repo: String
    @Option(help: "The pull request number.") var pr: Int
    @Option(help: "The head commit SHA.") var sha: String
    @Option(name: .customLong("head-ref"), help: "The head branch.") var headRef: String
    @Option(name: .customLong("base-ref"), help: "The base branch.") var baseRef: String = "main"
    @Option(help: "The pull request author.") var author: String = "unknown"
    @Option(help: "Output format: text, json or dot (Graphviz).") var format: Format = .text

    func validate() throws {
        let parts = repo.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty }) else {
            throw ValidationError("--repo must be OWNER/NAME, got \"\(repo)\"")
        }
        guard pr > 0 else { throw ValidationError("--pr must be a positive pull request number") }
        guard !sha.isEmpty, sha.allSatisfy(\.isHexDigit) else { throw ValidationError("--sha must be a hexadecimal commit SHA") }
    }

    func run() throws {
        let loaded: Blueprint
        do throws(BlueprintErrors) {
            loaded = try BlueprintLoader.load(path: blueprint)
        } catch {
            for diagnostic in error.diagnostics { printToStandardError(diagnostic.description) }
            throw ExitCode(1)
        }
        let parts = repo.split(separator: "/").map(String.init)
        let context = PRContext(owner: parts[0], repository: parts[1], number: pr, headSHA: sha, headRef: headRef, baseRef: baseRef, author: author)
        let plan = Planner.plan(blueprint: loaded, context: context, recorded: nil)
        let header = PlanHeader(blueprint: loaded.name, repository: repo, pr: pr, envName: loaded.envName(for: context))
        switch format {
        case .text: print(PlanRendering.text(plan, header: header))
        case .json: print(try PlanRendering.json(plan, header: header))
        case .dot: print(PlanRendering.dot(plan))
        }
    }
}
