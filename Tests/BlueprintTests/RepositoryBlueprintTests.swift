import Foundation
import Testing

@testable import Blueprint

/// Blueprints read from a repository's `.prenv/` (`RepositoryBlueprintLoader`): every rule that keeps a
/// repository's blueprint inside what the operator allowed, each with the place it is reported.
@Suite struct RepositoryBlueprintTests {
    static let policy = RepositoryBlueprintPolicy(
        enabled: true, allowTemplates: ["acme-webapp*", ".prenv/stacks/*", "arn:aws:iam::123456789012:role/acme-previews-*", "acme-previews"],
        allowSecrets: ["PRENV_GITHUB_*"]
    )

    static let stack = """
    AWSTemplateFormatVersion: "2010-09-09"
    Resources:
      Bucket: { Type: AWS::S3::Bucket }
    """

    /// Line 7 is the pipeline's `template` (value at column 26), line 14 the stack's `template_file` (value at column 26).
    static let good = """
    name: preview
    resources:
      pipeline:
        type: aws/codepipeline
        properties:
          name: "${env.name}"
          template:          acme-webapp
          github_oauth_token_env: PRENV_GITHUB_OAUTH_TOKEN
      site:
        type: aws/cloudformation-stack
        depends_on: [pipeline]
        properties:
          stack_name:      "${env.name}-site"
          template_file:     stacks/site.yaml
          role_arn: arn:aws:iam::123456789012:role/acme-previews-stacks
    """

    static func snapshot(_ files: [String: String], refused: [String: String] = [:], problem: String? = nil, exists: Bool = true) -> RepositorySnapshot {
        RepositorySnapshot(repository: "acme/webapp", ref: "main", files: files, refused: refused, problem: problem, exists: exists)
    }

    static func load(_ files: [String: String], refused: [String: String] = [:], policy: RepositoryBlueprintPolicy = policy) -> [RepositoryBlueprintFile] {
        RepositoryBlueprintLoader.load(snapshot(files, refused: refused), policy: policy, kinds: Fixtures.kinds)
    }

    /// The diagnostics of the only blueprint file, as printed; `[]` when it loads.
    static func problems(_ yaml: String, extra: [String: String] = [:], refused: [String: String] = [:],
                         policy: RepositoryBlueprintPolicy = policy, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        let files = load([".prenv/preview.yaml": yaml].merging(extra) { first, _ in first }, refused: refused, policy: policy)
        #expect(files.count == 1, "\(files.map(\.path))", sourceLocation: sourceLocation)
        guard case let .failure(errors) = files.first?.result else { return [] }
        return errors.diagnostics.map(\.description)
    }

    static func replacing(_ old: String, with new: String, in yaml: String = good) -> String {
        precondition(yaml.contains(old), old)
        return yaml.replacingOccurrences(of: old, with: new)
    }

    // MARK: A good blueprint

    @Test func aGoodBlueprintIsScopedToItsRepositoryAndReadsItsStackFromTheSnapshot() throws {
        let files = Self.load([".prenv/preview.yaml": Self.good, ".prenv/stacks/site.yaml": Self.stack])
        #expect(files.map(\.path) == [".prenv/preview.yaml"])
        #expect(files.first?.fileName == "preview.yaml")
        let blueprint = try #require(try files.first?.result.get())
        #expect(blueprint.name == "repo-preview")
        #expect(blueprint.file == ".prenv/preview.yaml")
        #expect(blueprint.templateFiles == ["stacks/site.yaml": Self.stack])
        #expect(blueprint.triggers.repositories.map(\.pattern) == ["acme/webapp"])
        #expect(blueprint.triggers.selects(repository: "ACME/WebApp"))
        #expect(!blueprint.triggers.selects(repository: "acme/webapp-2"))
        let rendered = blueprint.render(context: Fixtures.context)
        #expect(rendered.resources.first { $0.id == "site" }?.properties["template_body"] == .string(Self.stack))
    }

    @Test func scopedNamesNeverEqualAServerBlueprintsNames() throws {
        let repository = try #require(try Self.load([".prenv/preview.yaml": Self.good, ".prenv/stacks/site.yaml": Self.stack]).first?.result.get())
        let server = try BlueprintLoader.parse(yaml: Self.replacing("name: preview\n", with: "name: preview\non: { repositories: [acme/webapp] }\n"),
                                               file: "preview.yaml", baseDirectory: Fixtures.blueprintsDirectory, kinds: Fixtures.kinds)
        #expect(server.name == "preview")
        #expect(repository.envName(for: Fixtures.context) != server.envName(for: Fixtures.context))
        #expect(repository.envName(for: Fixtures.context).hasPrefix("repo-"))
    }

    /// Running a fork's code is the operator's choice: `forks: allow` needs `allow_forks: true`.
    @Test func forksAllowNeedsThePolicysAllowForks() {
        let allowing = Self.replacing("name: preview\n", with: "name: preview\non:\n  forks: allow\n")
        let refused = Self.problems(allowing, extra: [".prenv/stacks/site.yaml": Self.stack])
        #expect(refused.count == 1 && refused.first?.hasPrefix(".prenv/preview.yaml:3:10: error: `forks: allow` is not allowed") == true, "\(refused)")
        var policy = Self.policy
        policy.allowForks = true
        #expect(Self.problems(allowing, extra: [".prenv/stacks/site.yaml": Self.stack], policy: policy).isEmpty)
    }

    /// Properties that reach outside the environment without being `.existing` names (`RepositoryRestrictions`).
    @Test(arguments: [
        ("      replace_projects: { acme-webapp-build: production-build }\n", "`replace_projects` of resource `pipeline` (aws/codepipeline) `acme-webapp-build`"),
        ("      replace_projects: { acme-webapp-build: \"${pr.head.ref}\" }\n", "must be written out in full"),
        ("      keep_actions: [Deploy/Prod]\n", "`keep_actions` of resource `pipeline` (aws/codepipeline) is not allowed"),
    ])
    func pipelineRestrictions(_ line: String, _ expected: String) {
        let yaml = Self.replacing("      github_oauth_token_env: PRENV_GITHUB_OAUTH_TOKEN\n", with: "      github_oauth_token_env: PRENV_GITHUB_OAUTH_TOKEN\n" + line)
        let problems = Self.problems(yaml, extra: [".prenv/stacks/site.yaml": Self.stack])
        #expect(problems.count == 1 && problems.first?.contains(expected) == true, "\(problems)")
    }

    @Test func aPipelineMayRunItsOwnProject() {
        let yaml = Self.replacing("      github_oauth_token_env: PRENV_GITHUB_OAUTH_TOKEN\n", with: """
                  github_oauth_token_env: PRENV_GITHUB_OAUTH_TOKEN
                  replace_projects: { acme-webapp-build: "${build.outputs.name}" }
              build:
                type: aws/codebuild-project
                properties: { name: "${env.name}-build", template: acme-webapp-build }

            """)
        #expect(Self.problems(yaml, extra: [".prenv/stacks/site.yaml": Self.stack]).isEmpty)
    }

    @Test func aStackNeedsAnAllowedRoleAFileAndNoCapabilities() {
        let noRole = Self.replacing("\n      role_arn: arn:aws:iam::123456789012:role/acme-previews-stacks", with: "")
        #expect(Self.problems(noRole, extra: [".prenv/stacks/site.yaml": Self.stack]).contains { $0.contains("`role_arn` of resource `site` (aws/cloudformation-stack) is required") })
        let admin = Self.replacing("role/acme-previews-stacks", with: "role/admin")
        #expect(Self.problems(admin, extra: [".prenv/stacks/site.yaml": Self.stack]).contains { $0.contains("`arn:aws:iam::123456789012:role/admin` (property `role_arn`) is not allowed") })
        let inline = Self.replacing("      template_file:     stacks/site.yaml\n", with: "      template_body: \"{}\"\n")
        #expect(Self.problems(inline).contains { $0.contains("`template_body` of resource `site` (aws/cloudformation-stack) is not allowed") })
        let iam = Self.replacing("      template_file:     stacks/site.yaml\n", with: "      template_file:     stacks/site.yaml\n      capabilities: [CAPABILITY_NAMED_IAM]\n")
        #expect(Self.problems(iam, extra: [".prenv/stacks/site.yaml": Self.stack]).contains { $0.contains("`capabilities` of resource `site` (aws/cloudformation-stack) is not allowed") })
    }

    @Test func whereTheEnvironmentWritesMustBeAllowed() {
        let prefix = """
            name: preview
            resources:
              files:
                type: aws/s3-prefix
                properties: { bucket: BUCKET, prefix: "${env.name}/" }
            """
        #expect(Self.problems(prefix.replacingOccurrences(of: "BUCKET", with: "acme-webapp-previews")).isEmpty)
        #expect(Self.problems(prefix.replacingOccurrences(of: "BUCKET", with: "acme-production-site")).first?.contains("`acme-production-site` (`bucket`") == true)
        let project = """
            name: preview
            resources:
              build:
                type: aws/codebuild-project
                properties: { name: "${env.name}-build", template: acme-webapp-build, artifacts_location: acme-production-site/deploy }
            """
        #expect(Self.problems(project).first?.contains("`acme-production-site/deploy` (`artifacts_location`") == true)
    }

    @Test func serverBlueprintsMayNotUseTheRepositoryPrefix() {
        let found = Fixtures.diagnostics("""
        name: repo-preview
        on: { repositories: [acme/webapp] }
        resources:
          build: { type: aws/codebuild-project, properties: { name: "${env.name}", template: acme-build } }
        """)
        #expect(found == ["bp.yaml:1:7: error: blueprint names beginning with `repo-` are reserved for blueprints read from repositories"])
    }

    @Test func declaredNamesHaveAtMost27Characters() throws {
        let longest = String(repeating: "a", count: 27)
        let files = Self.load([".prenv/preview.yaml": Self.replacing("name: preview", with: "name: \(longest)"), ".prenv/stacks/site.yaml": Self.stack])
        #expect(try files.first?.result.get().name == "repo-" + longest)
        let found = Self.problems(Self.replacing("name: preview", with: "name: \(longest)b"), extra: [".prenv/stacks/site.yaml": Self.stack])
        #expect(found == [".prenv/preview.yaml:1:7: error: the name of a blueprint read from a repository may have at most 27 characters (it is used as `repo-\(longest)b`)"])
    }

    // MARK: The folder

    @Test func noFolderAnEmptyFolderOrADisabledPolicyGiveNoFiles() {
        #expect(RepositoryBlueprintLoader.load(Self.snapshot([:], exists: false), policy: Self.policy, kinds: Fixtures.kinds).isEmpty)
        #expect(Self.load([:]).isEmpty)
        // Stack templates in sub-folders and other files are not blueprints.
        #expect(Self.load([".prenv/stacks/site.yaml": Self.stack, ".prenv/README.md": "hi", "preview.yaml": Self.good]).isEmpty)
        var disabled = Self.policy
        disabled.enabled = false
        #expect(Self.load([".prenv/preview.yaml": Self.good], policy: disabled).isEmpty)
    }

    @Test func aFolderThatCouldNotBeReadIsOneFailureAndNothingElse() {
        let files = RepositoryBlueprintLoader.load(
            Self.snapshot([".prenv/preview.yaml": Self.good], problem: "holds 1000 entries; at most 100 are read"), policy: Self.policy, kinds: Fixtures.kinds)
        #expect(files.map(\.path) == [".prenv"])
        #expect(files.map(\.fileName) == [".prenv"])
        guard case let .failure(errors) = files.first?.result else { Issue.record("expected a failure"); return }
        #expect(errors.description == ".prenv: error: the `.prenv` folder of acme/webapp at main was not read: holds 1000 entries; at most 100 are read")
    }

    @Test func eachFileIsJudgedOnItsOwnInPathOrder() throws {
        let files = Self.load([
            ".prenv/b.yml": Self.replacing("name: preview", with: "name: beta"),
            ".prenv/a.yaml": "name: [",
            ".prenv/stacks/site.yaml": Self.stack,
        ], refused: [".prenv/c.yaml": "larger than the 1 MB limit (5242880 bytes)"])
        #expect(files.map(\.path) == [".prenv/a.yaml", ".prenv/b.yml", ".prenv/c.yaml"])
        #expect(files.map(\.fileName) == ["a.yaml", "b.yml", "c.yaml"])
        guard case let .failure(a) = files[0].result else { Issue.record("a.yaml should fail"); return }
        #expect(a.diagnostics.count == 1 && a.diagnostics[0].file == ".prenv/a.yaml" && a.diagnostics[0].line > 0, "\(a)")
        #expect(a.description.contains("YAML syntax error"), "\(a)")
        #expect(try files[1].result.get().name == "repo-beta")
        guard case let .failure(c) = files[2].result else { Issue.record("c.yaml should fail"); return }
        #expect(c.description == ".prenv/c.yaml: error: not read: larger than the 1 MB limit (5242880 bytes)")
    }

    @Test func twoFilesDeclaringOneNameFailTheSecond() throws {
        let files = Self.load([
            ".prenv/a.yaml": Self.good, ".prenv/b.yaml": Self.good, ".prenv/stacks/site.yaml": Self.stack,
        ])
        #expect(try files[0].result.get().name == "repo-preview")
        guard case let .failure(errors) = files[1].result else { Issue.record("b.yaml should fail"); return }
        #expect(errors.description == ".prenv/b.yaml:1:7: error: blueprint name `preview` is already used by .prenv/a.yaml")
    }

    @Test func blueprintsOfOneRepositoryWithScopedIdentitiesDoNotCollide() throws {
        // NameCollisions runs among them, but every identity uses ${env.name}, which differs per blueprint.
        let files = Self.load([
            ".prenv/a.yaml": Self.good, ".prenv/b.yaml": Self.replacing("name: preview", with: "name: other"),
            ".prenv/stacks/site.yaml": Self.stack,
        ])
        #expect(try files.map { try $0.result.get().name } == ["repo-preview", "repo-other"])
    }

    // MARK: Size and alias bombs

    @Test func aBlueprintOver256KBIsRefusedUnparsed() {
        // Not YAML at all: had it been parsed, a syntax error would be reported instead.
        let huge = "name: [\n" + String(repeating: "#", count: 256 * 1024)
        #expect(Self.problems(huge) == [".prenv/preview.yaml: error: the blueprint is \(huge.utf8.count) bytes; blueprints read from a repository may have at most 262144 bytes"])
    }

    @Test func aFiveMegabyteFileRefusedByTheReaderIsAFailureWithItsReason() {
        let files = Self.load([:], refused: [".prenv/big.yaml": "5242880 bytes, larger than the 1 MB limit"])
        guard case let .failure(errors) = files.first?.result else { Issue.record("expected a failure"); return }
        #expect(errors.description == ".prenv/big.yaml: error: not read: 5242880 bytes, larger than the 1 MB limit")
    }

    /// Nine levels of nine aliases each: 9⁹ nodes once followed.
    static func aliasBomb(asKeys: Bool) -> String {
        var lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for level in 1...9 {
            let previous = "*l\(level - 1)"
            if asKeys {
                // An aliased *key*: Yams hashes keys in full to find duplicates.
                lines.append("l\(level): &l\(level) {" + (0..<9).map { "? [\(previous), \($0)] : x" }.joined(separator: ", ") + "}")
            } else {
                lines.append("l\(level): &l\(level) [" + Array(repeating: previous, count: 9).joined(separator: ", ") + "]")
            }
        }
        return lines.joined(separator: "\n") + "\nname: preview\n"
    }

    @Test(arguments: [false, true]) func anAliasBombFailsFastCountedNotExpanded(asKeys: Bool) {
        let bomb = Self.aliasBomb(asKeys: asKeys)
        let start = ContinuousClock.now
        let found = Self.problems(bomb)
        // A sanity watchdog only: expanding would take minutes and gigabytes.
        #expect(ContinuousClock.now - start < .seconds(20))
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.contains("error: the YAML stands for more than 100000 nodes once its aliases (`*name`) are followed") == true, "\(found)")
        guard case let .exceeds(position) = YAMLExpansion.count(bomb) else { Issue.record("not counted as a bomb"); return }
        #expect(position.line > 1 && position.line <= 10)
    }

    @Test func expandedNodesAreCountedExactly() {
        // mapping, a, [1, 2] (3 nodes), b, *x (3 more).
        #expect(YAMLExpansion.count("a: &x [1, 2]\nb: *x\n") == .within(nodes: 9))
        // `&y` is a mapping: itself, `c` and the 3 nodes of `*x`; `*y` repeats all 5.
        #expect(YAMLExpansion.count("a: &x [1, 2]\nb: &y { c: *x }\nd: *y\n") == .within(nodes: 1 + 1 + 3 + 1 + 5 + 1 + 5))
        // The mapping, `a` and the list make 3; `1` is the fourth.
        #expect(YAMLExpansion.count("a: [1, 2]\n", limit: 3) == .exceeds(at: SourcePosition(line: 1, column: 5)))
        #expect(YAMLExpansion.count("a: [") == .unparsable)
    }

    // MARK: on.repositories

    @Test func onRepositoriesMayOnlyNameItsOwnRepository() {
        let own = Self.replacing("name: preview\n", with: "name: preview\non:\n  repositories: [ACME/WebApp]\n  base_branches: [main]\n")
        #expect(Self.problems(own, extra: [".prenv/stacks/site.yaml": Self.stack]) == [])
        let other = Self.replacing("name: preview\n", with: "name: preview\non:\n  repositories: [acme/webapp, acme/billing, \"acme/*\"]\n")
        #expect(Self.problems(other, extra: [".prenv/stacks/site.yaml": Self.stack]) == [
            ".prenv/preview.yaml:3:31: error: a blueprint read from acme/webapp may only select acme/webapp, found `acme/billing` in `on.repositories` (leave the key out: it is implied)",
            ".prenv/preview.yaml:3:45: error: a blueprint read from acme/webapp may only select acme/webapp, found `acme/*` in `on.repositories` (leave the key out: it is implied)",
        ])
    }

    // MARK: The operator's policy

    @Test func aTypeOutsideAllowTypesIsReportedAtTheType() {
        var policy = Self.policy
        policy.allowTypes = ["aws/codepipeline", "aws/s3-prefix"]
        #expect(Self.problems(Self.good, extra: [".prenv/stacks/site.yaml": Self.stack], policy: policy) == [
            ".prenv/preview.yaml:10:11: error: resource type `aws/cloudformation-stack` is not allowed for blueprints read from acme/webapp "
                + "(the operator's `allow_types`: `aws/codepipeline`, `aws/s3-prefix`)",
        ])
        policy.allowTypes = nil
        #expect(Self.problems(Self.good, extra: [".prenv/stacks/site.yaml": Self.stack], policy: policy) == [])
    }

    @Test func anExistingNameOutsideAllowTemplatesOrInterpolatedIsReportedAtTheValue() {
        #expect(Self.problems(Self.replacing("acme-webapp\n", with: "acme-production\n"), extra: [".prenv/stacks/site.yaml": Self.stack]) == [
            ".prenv/preview.yaml:7:26: error: `acme-production` (property `template`) is not allowed for blueprints read from acme/webapp: "
                + "it matches none of the operator's `allow_templates` (`acme-webapp*`, `.prenv/stacks/*`, `arn:aws:iam::123456789012:role/acme-previews-*`, `acme-previews`)",
        ])
        #expect(Self.problems(Self.replacing("acme-webapp\n", with: "acme-webapp-${pr.head.ref}\n"), extra: [".prenv/stacks/site.yaml": Self.stack]) == [
            ".prenv/preview.yaml:7:26: error: property `template` names an existing resource, so in a blueprint read from a repository it must be "
                + "written out in full, without `${…}`: the operator's `allow_templates` is checked against it",
        ])
        // Nothing allowed by default.
        var closed = Self.policy
        closed.allowTemplates = []
        let found = Self.problems(Self.good, extra: [".prenv/stacks/site.yaml": Self.stack], policy: closed)
        // The pipeline's template, the stack's file and the stack's role.
        #expect(found.count == 3, "\(found)")
        #expect(found.allSatisfy { $0.hasSuffix("(none are allowed)") }, "\(found)")
    }

    @Test func aSecretOutsideAllowSecretsIsReportedAtTheValue() {
        #expect(Self.problems(Self.replacing("PRENV_GITHUB_OAUTH_TOKEN", with: "PRENV_DEPLOY_KEY"), extra: [".prenv/stacks/site.yaml": Self.stack]) == [
            ".prenv/preview.yaml:8:31: error: property `github_oauth_token_env` names `PRENV_DEPLOY_KEY`, which blueprints read from acme/webapp may not use: "
                + "it matches none of the operator's `allow_secrets` (`PRENV_GITHUB_*`)",
        ])
    }

    @Test func everyIdentityMustUseEnvName() {
        #expect(Self.problems(Self.replacing("name: \"${env.name}\"", with: "name: acme-webapp"), extra: [".prenv/stacks/site.yaml": Self.stack]) == [
            ".prenv/preview.yaml:6:13: error: `name` of resource `pipeline` (aws/codepipeline) must include ${env.name} in a blueprint read from a repository, "
                + "so that it only ever names its own environment's resource, never production's or another pull request's",
        ])
        #expect(Self.problems(Self.replacing("\"${env.name}-site\"", with: "\"site-${pr.number}\""), extra: [".prenv/stacks/site.yaml": Self.stack]) == [
            ".prenv/preview.yaml:13:24: error: `stack_name` of resource `site` (aws/cloudformation-stack) must include ${env.name} in a blueprint read from a repository, "
                + "so that it only ever names its own environment's resource, never production's or another pull request's",
        ])
        // A shared bucket is fine when the prefix is the environment's own; both fixed is not.
        let prefix = """
        name: artifacts
        resources:
          files:
            type: aws/s3-prefix
            properties: { bucket: acme-previews, prefix: "PREFIX" }
        """
        #expect(Self.problems(prefix.replacingOccurrences(of: "PREFIX", with: "${env.name}/")) == [])
        #expect(Self.problems(prefix.replacingOccurrences(of: "PREFIX", with: "pr-${pr.number}/")) == [
            ".prenv/preview.yaml:5:27: error: `bucket` or `prefix` of resource `files` (aws/s3-prefix) must include ${env.name} in a blueprint read from a repository, "
                + "so that it only ever names its own environment's resource, never production's or another pull request's",
        ])
    }

    // MARK: template_file

    @Test(arguments: [
        ("../../etc/passwd", "leaves `.prenv/`: a repository's blueprint reads files from its own `.prenv/` folder only"),
        ("stacks/../../README.md", "leaves `.prenv/`: a repository's blueprint reads files from its own `.prenv/` folder only"),
        ("/etc/passwd", "is absolute; write it relative to `.prenv/`"),
        ("stacks\\\\site.yaml", "contains a backslash; separate folders with `/`"),
        ("stacks//site.yaml", "has an empty segment (`//` or a trailing `/`)"),
        ("stacks/", "has an empty segment (`//` or a trailing `/`)"),
        ("stacks/site.yaml\\0", "contains a NUL character"),
        (".", "names the `.prenv` folder itself, not a file"),
    ])
    func templateFilesStayInsidePrenv(path: String, problem: String) {
        let yaml = Self.replacing("stacks/site.yaml", with: "\"\(path)\"")
        let found = Self.problems(yaml, extra: [".prenv/stacks/site.yaml": Self.stack, "README.md": "x", ".prenv/stacks/site.yaml\0": "x"])
        let written = path.replacingOccurrences(of: "\\\\", with: "\\").replacingOccurrences(of: "\\0", with: "\0")
        #expect(found == [".prenv/preview.yaml:14:26: error: template file `\(written)` \(problem)"])
    }

    @Test func aTemplateFileInsidePrenvResolvesDotSegments() throws {
        let yaml = Self.replacing("stacks/site.yaml", with: "./stacks/../stacks/site.yaml")
        let blueprint = try #require(try Self.load([".prenv/preview.yaml": yaml, ".prenv/stacks/site.yaml": Self.stack]).first?.result.get())
        #expect(blueprint.templateFiles == ["./stacks/../stacks/site.yaml": Self.stack])
    }

    @Test func aRefusedMissingOrDisallowedTemplateFileIsReported() {
        let symlink = [".prenv/stacks/site.yaml": "a symlink: not followed"]
        #expect(Self.problems(Self.good, refused: symlink) == [
            ".prenv/preview.yaml:14:26: error: template file `stacks/site.yaml` was not read (`.prenv/stacks/site.yaml`: a symlink: not followed)",
        ])
        // A refused folder refuses what is under it.
        #expect(Self.problems(Self.good, refused: [".prenv/stacks": "a symlink: not followed"]) == [
            ".prenv/preview.yaml:14:26: error: template file `stacks/site.yaml` was not read (`.prenv/stacks`: a symlink: not followed)",
        ])
        #expect(Self.problems(Self.good) == [
            ".prenv/preview.yaml:14:26: error: template file `stacks/site.yaml` not found in `.prenv/` of acme/webapp at main (looked for `.prenv/stacks/site.yaml`)",
        ])
        #expect(Self.problems(Self.replacing("stacks/site.yaml", with: "other/site.yaml"), extra: [".prenv/other/site.yaml": Self.stack]) == [
            ".prenv/preview.yaml:14:26: error: template file `.prenv/other/site.yaml` is not allowed for blueprints read from acme/webapp: "
                + "it matches none of the operator's `allow_templates` (`acme-webapp*`, `.prenv/stacks/*`, `arn:aws:iam::123456789012:role/acme-previews-*`, `acme-previews`)",
        ])
    }

    @Test func repositoryBlueprintsNeverReadTheDisk() {
        // This file exists on disk next to the server's example blueprints; the snapshot does not hold it.
        let onDisk = try? String(contentsOfFile: Fixtures.blueprintsDirectory + "/README.md", encoding: .utf8)
        #expect(onDisk != nil)
        var open = Self.policy
        open.allowTemplates = ["*"]
        #expect(Self.problems(Self.replacing("stacks/site.yaml", with: "../blueprints/README.md"), policy: open).first?.contains("leaves `.prenv/`") == true)
        #expect(Self.problems(Self.replacing("stacks/site.yaml", with: "README.md"), policy: open) == [
            ".prenv/preview.yaml:14:26: error: template file `README.md` not found in `.prenv/` of acme/webapp at main (looked for `.prenv/README.md`)",
        ])
    }
}
