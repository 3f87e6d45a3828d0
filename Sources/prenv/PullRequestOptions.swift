import ArgumentParser
import Blueprint
import PrenvApp

/// The pull request `plan` and `up` work on, and the blueprint describing its environment.
struct PullRequestOptions: ParsableArguments {
    @Option(help: "The blueprint file.") var blueprint: String
    @Option(help: "The repository, as OWNER/NAME.") var repo: String
    @Option(help: "The pull request number.") var pr: Int
    @Option(help: "The head commit SHA.") var sha: String
    @Option(name: .customLong("head-ref"), help: "The head branch.") var headRef: String
    @Option(name: .customLong("base-ref"), help: "The base branch.") var baseRef: String = "main"
    @Option(help: "The pull request author.") var author: String = "unknown"

    func validate() throws {
        let parts = repo.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty }) else {
            throw ValidationError("--repo must be OWNER/NAME, got \"\(repo)\"")
        }
        guard pr > 0 else { throw ValidationError("--pr must be a positive pull request number") }
        guard !sha.isEmpty, sha.allSatisfy(\.isHexDigit) else { throw ValidationError("--sha must be a hexadecimal commit SHA") }
    }

    /// Loads the blueprint, printing every problem compiler-style and exiting 1 when it is invalid.
    func loadBlueprint() throws -> Blueprint {
        do throws(BlueprintErrors) {
            return try BlueprintLoader.load(path: blueprint, kinds: Composition.kinds)
        } catch {
            for diagnostic in error.diagnostics { printToStandardError(diagnostic.description) }
            throw ExitCode(1)
        }
    }

    var context: PRContext {
        let parts = repo.split(separator: "/").map(String.init)
        return PRContext(owner: parts[0], repository: parts[1], number: pr, headSHA: sha, headRef: headRef, baseRef: baseRef, author: author)
    }
}
