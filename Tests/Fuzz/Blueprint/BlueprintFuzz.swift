import Blueprint
import Foundation
import FuzzSupport
import Providers

/// Blueprint text as `prenv validate` and a repository's `.prenv/` folder read it: YAML composition,
/// decoding and validation against the shipped kinds, then rendering every `${…}` for a PR; and the
/// template parser on the raw text. Any YAML must end in a blueprint or diagnostics, never a crash.
@main
enum BlueprintFuzz {
    static let kinds = ProviderKind.all.resourceKinds
    static let context = PRContext(owner: "acme", repository: "webapp", number: 7, headSHA: String(repeating: "a", count: 40),
                                   headRef: "feature/${pr.number}", baseRef: "main", author: "octocat", fromFork: false,
                                   defaultBranch: "main")
    /// Nothing is there: `template_file` paths resolve to a diagnostic, not to files on this machine.
    static let baseDirectory = "/nonexistent/prenv-fuzz"

    static func main() {
        FuzzDriver.run("blueprint") { bytes, count in
            // Blueprints are read as UTF-8 text; other bytes never get this far.
            guard let yaml = String(data: FuzzDriver.data(bytes, count), encoding: .utf8) else { return -1 }
            BlueprintFuzz.check(yaml)
            return 0
        }
    }

    static func check(_ yaml: String) {
        do throws(BlueprintErrors) {
            let blueprint = try BlueprintLoader.parse(yaml: yaml, file: "fuzz.yaml", baseDirectory: baseDirectory, kinds: kinds)
            render(blueprint)
        } catch {
            if error.diagnostics.isEmpty { FuzzDriver.fail("refused without a diagnostic") }
            _ = error.diagnostics.map(\.description)
        }

        let snapshot = RepositorySnapshot(repository: "acme/webapp", ref: "main", files: [".prenv/fuzz.yaml": yaml])
        for file in RepositoryBlueprintLoader.load(snapshot, policy: .permissive, kinds: kinds) {
            if case let .success(blueprint) = file.result { render(blueprint) }
        }

        let (template, _) = Template.parse(yaml)
        _ = template.references
        _ = template.literalValue
        _ = template.render(context: context, blueprint: "fuzz", outputs: [:])
    }

    static func render(_ blueprint: Blueprint) {
        _ = blueprint.envName(for: context)
        _ = blueprint.dependencies
        _ = blueprint.matches(repository: "acme/webapp", baseBranch: "main", labels: ["preview"], isFork: false)
        _ = blueprint.render(context: context)
    }
}
