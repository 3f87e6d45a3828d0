import Testing
import Yams

@testable import Blueprint

/// The operator's `repository_blueprints:` settings: strict decoding with `file:line:col`, and which
/// policy a repository gets.
@Suite struct RepositoryBlueprintPolicyTests {
    static func settings(_ yaml: String) throws -> RepositoryBlueprintSettings {
        let node = try #require(try Yams.compose(yaml: yaml))
        return try RepositoryBlueprintSettings.decode(node, file: "prenv.yaml")
    }

    static func problems(_ yaml: String) throws -> [String] {
        let node = try #require(try Yams.compose(yaml: yaml))
        do {
            _ = try RepositoryBlueprintSettings.decode(node, file: "prenv.yaml")
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test func aFullPolicyDecodes() throws {
        let node = try #require(try Yams.compose(yaml: """
        enabled: true
        from: head
        allow_types: [aws/codepipeline]
        allow_templates: ["acme-*", ".prenv/stacks/*"]
        allow_secrets: [PRENV_GITHUB_OAUTH_TOKEN]
        """))
        let policy = try RepositoryBlueprintPolicy.decode(node, file: "prenv.yaml")
        #expect(policy == RepositoryBlueprintPolicy(
            enabled: true, from: .head, allowTypes: ["aws/codepipeline"], allowTemplates: ["acme-*", ".prenv/stacks/*"],
            allowSecrets: ["PRENV_GITHUB_OAUTH_TOKEN"]))
    }

    @Test func defaultsAreClosed() throws {
        let policy = try RepositoryBlueprintPolicy.decode(try #require(try Yams.compose(yaml: "{}")), file: "prenv.yaml")
        #expect(policy == RepositoryBlueprintPolicy())
        #expect(!policy.enabled)
        #expect(policy.from == .base)
        #expect(policy.allowTypes == nil)
        #expect(policy.allows(type: "aws/codepipeline"))
        #expect(!policy.allows(template: "acme-main"))
        #expect(!policy.allows(secret: "PRENV_GITHUB_OAUTH_TOKEN"))
    }

    @Test func matchingIsByGlob() {
        let policy = RepositoryBlueprintPolicy(enabled: true, allowTypes: [], allowTemplates: ["acme-*", ".prenv/stacks/*"], allowSecrets: ["PRENV_GITHUB_*"])
        #expect(!policy.allows(type: "aws/codepipeline"))
        #expect(policy.allows(template: "acme-webapp"))
        #expect(!policy.allows(template: "ACME-webapp"))
        #expect(policy.allows(template: ".prenv/stacks/site.yaml"))
        #expect(!policy.allows(template: ".prenv/site.yaml"))
        #expect(policy.allows(secret: "PRENV_GITHUB_OAUTH_TOKEN"))
        #expect(!policy.allows(secret: "PRENV_WEBHOOK_SECRET"))
        #expect(RepositoryBlueprintPolicy.permissive.allows(template: ".prenv/a/b/c.yaml"))
        #expect(RepositoryBlueprintPolicy.permissive.allows(secret: "PRENV_ANYTHING"))
    }

    @Test func unknownKeysWrongTypesAndABadFromAreErrorsWithFileLineColumn() throws {
        #expect(try Self.problems("""
        acme/webapp:
          enabled: yes
          from: main
          allow_template: ["*"]
          allow_types: aws/codepipeline
          allow_secrets: [[A]]
        """) == [
            "prenv.yaml:2:12: error: `enabled` must be true or false, found `yes`",
            "prenv.yaml:3:9: error: `from` must be `base` or `head`, found `main`",
            "prenv.yaml:4:3: error: unknown key `allow_template` in a repository's blueprint policy; did you mean `allow_templates`?",
            "prenv.yaml:5:16: error: `allow_types` must be a list of strings, found a string",
            "prenv.yaml:6:19: error: entries of `allow_secrets` must be strings, found a list",
        ])
    }

    @Test func repositoryKeysAndShapesAreChecked() throws {
        #expect(try Self.problems("""
        webapp: { enabled: true }
        acme/webapp: true
        acme/api: { enabled: true }
        ACME/API: { enabled: false }
        """) == [
            "prenv.yaml:1:1: error: `repository_blueprints` key `webapp` must be `owner/name` or a glob such as `acme/*`",
            "prenv.yaml:2:14: error: a repository's blueprint policy must be a mapping with `enabled`, `from`, `allow_types`, `allow_templates`, `allow_secrets`, found a string",
            "prenv.yaml:4:1: error: `repository_blueprints` lists `ACME/API` twice",
        ])
        #expect(try Self.problems("[acme/webapp]") == [
            "prenv.yaml:1:1: error: `repository_blueprints` must be a mapping from repositories (`owner/name` or `owner/*`) to policies, found a list",
        ])
    }

    @Test func anExactNameWinsThenTheFirstGlobInFileOrderCaseInsensitively() throws {
        let settings = try Self.settings("""
        "acme/*": { enabled: true, allow_templates: [first] }
        "*/*": { enabled: true, allow_templates: [second] }
        acme/WebApp: { enabled: true, from: head }
        """)
        #expect(settings.entries.map(\.repository) == ["acme/*", "*/*", "acme/WebApp"])
        #expect(settings.policy(for: "ACME/webapp")?.from == .head)
        #expect(settings.policy(for: "acme/api")?.allowTemplates == ["first"])
        #expect(settings.policy(for: "Acme/Api")?.allowTemplates == ["first"])
        #expect(settings.policy(for: "other/api")?.allowTemplates == ["second"])
        let exactOnly = try Self.settings("acme/webapp: { enabled: true }")
        #expect(exactOnly.policy(for: "acme/webapp2") == nil)
        #expect(exactOnly.policy(for: "acme/webapp")?.enabled == true)
    }

    /// A PR chooses its own base: only listed bases (default: the repository's default branch) are read.
    @Test func baseBranchesDefaultToTheDefaultBranch() throws {
        let implicit = RepositoryBlueprintPolicy(enabled: true)
        #expect(implicit.reads(base: "main", defaultBranch: "main"))
        #expect(!implicit.reads(base: "attacker-branch", defaultBranch: "main"))
        #expect(!implicit.reads(base: "main", defaultBranch: nil))
        let node = try #require(try Yams.compose(yaml: "enabled: true\nbase_branches: [main, \"release/*\"]\n"))
        let listed = try RepositoryBlueprintPolicy.decode(node, file: "prenv.yaml")
        #expect(listed.reads(base: "release/2026", defaultBranch: "trunk") && !listed.reads(base: "trunk", defaultBranch: "trunk"))
    }
}
