import Testing
@testable import Blueprint

/// Which PRs get an environment: globs, fork policy and skip labels.
@Suite struct TriggerTests {
    @Test(arguments: [
        ("acme/*", "acme/site", true),
        ("acme/*", "acme/", true),
        ("acme/*", "other/site", false),
        ("acme/api-*", "acme/api-gateway", true),
        ("acme/api-*", "acme/api", false),
        ("*/site", "anyone/site", true),
        ("acme/s?te", "acme/site", true),
        ("acme/s?te", "acme/ste", false),
        ("release/*", "release/1.2/hotfix", true),
        ("*", "", true),
        ("", "", true),
        ("", "x", false),
        ("a*b*c", "aXXbYYc", true),
        ("a*b*c", "aXXbYY", false),
        ("main", "main", true),
        ("main", "Main", false),
    ])
    func globs(pattern: String, text: String, matches: Bool) {
        #expect(Glob(pattern).matches(text) == matches)
    }

    static let triggers = Triggers(
        repositories: [Glob("acme/*")], baseBranches: [Glob("main"), Glob("release/*")], skipLabels: ["no-preview"], forks: .skip
    )

    @Test func provisionsAMatchingPR() {
        #expect(Self.triggers.matches(repository: "acme/site", baseBranch: "main", labels: ["bug"], isFork: false) == .provision)
        #expect(Self.triggers.matches(repository: "ACME/Site", baseBranch: "release/2", labels: [], isFork: false) == .provision)
    }

    @Test func skipsWithAReason() {
        #expect(Self.triggers.matches(repository: "other/site", baseBranch: "main", labels: [], isFork: false)
            == .skip(reason: "repository other/site does not match on.repositories (acme/*)"))
        #expect(Self.triggers.matches(repository: "acme/site", baseBranch: "dev", labels: [], isFork: false)
            == .skip(reason: "base branch dev does not match on.base_branches (main, release/*)"))
        #expect(Self.triggers.matches(repository: "acme/site", baseBranch: "main", labels: [], isFork: true)
            == .skip(reason: "pull request comes from a fork and on.forks is skip"))
        #expect(Self.triggers.matches(repository: "acme/site", baseBranch: "main", labels: ["bug", "No-Preview"], isFork: false)
            == .skip(reason: "label No-Preview is in on.skip_labels"))
    }

    @Test func forksAllowedWhenAsked() {
        var triggers = Self.triggers
        triggers.forks = .allow
        #expect(triggers.matches(repository: "acme/site", baseBranch: "main", labels: [], isFork: true) == .provision)
    }

    @Test func loadedDefaultsApplyToEveryBaseBranchAndSkipForks() throws {
        let blueprint = try #require(Fixtures.blueprint("""
            name: webapp
            on: { repositories: ["acme/site"] }
            resources:
              artifacts: { type: aws/s3-prefix, properties: { bucket: acme-previews, prefix: "pr-${pr.number}/" } }
            """))
        #expect(blueprint.triggers == Triggers(repositories: [Glob("acme/site")], baseBranches: [Glob("*")], skipLabels: [], forks: .skip))
        #expect(blueprint.matches(repository: "acme/site", baseBranch: "anything/goes", labels: [], isFork: false) == .provision)
        #expect(blueprint.matches(repository: "acme/site", baseBranch: "main", labels: [], isFork: true)
            == .skip(reason: "pull request comes from a fork and on.forks is skip"))
    }
}
