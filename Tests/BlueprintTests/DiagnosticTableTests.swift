import Testing
@testable import Blueprint

/// A blueprint with mistakes and the exact text a user sees for it.
struct BadBlueprint: Sendable, CustomTestStringConvertible {
    var title: String
    var yaml: String
    var expected: [String]
    var testDescription: String { title }
}

/// Every mistake a user can make, with the exact diagnostics (position included) they will read.
/// Most cases hold several mistakes: all of them must be reported at once, sorted by position.
@Suite struct DiagnosticTableTests {
    static let cases: [BadBlueprint] = [
        BadBlueprint(title: "top-level keys", yaml: """
            name: webapp
            on: { repositories: ["acme/*"] }
            resource:
              a: { type: aws/s3-prefix, properties: { bucket: b-1, prefix: p/ } }
            colour: red
            """, expected: [
            "bp.yaml:1:1: error: missing required key `resources`",
            "bp.yaml:3:1: error: unknown key `resource`; did you mean `resources`?",
            "bp.yaml:5:1: error: unknown key `colour`; expected one of `name`, `description`, `on`, `resources`, `status`, `expire`, `limits`",
        ]),
        BadBlueprint(title: "wrong YAML kinds at the top", yaml: """
            name: [webapp]
            on: "acme/*"
            resources: [a, b]
            status: { target_url: 5, url: x }
            """, expected: [
            "bp.yaml:1:7: error: `name` must be a string, found a list",
            "bp.yaml:2:5: error: `on` must be a mapping, found a string",
            "bp.yaml:3:12: error: `resources` must be a mapping from resource ids to resources, found a list",
            "bp.yaml:4:23: error: `status.target_url` must start with http:// or https:// and a literal host ended by `/`, `?` or `#` "
                + "before any `${…}`: an interpolated value must not become part of the host",
            "bp.yaml:4:26: error: unknown key `url` in `status`; expected one of `detail`, `target_url`, `environment_url`",
        ]),
        BadBlueprint(title: "names, selectors and resource shapes", yaml: """
            name: Web App
            on:
              repositories: ["acme", "acme/*"]
              base_branches: []
              skip_labels: [{ a: b }]
              forks: maybe
              base_branch: [main]
            resources:
              Build:
                type: aws/s3-prefix
                properties: { bucket: acme-previews, prefix: "pr-${pr.number}/" }
              lonely: aws/s3-prefix
              untyped:
                properties: {}
              other:
                type: gcp/bucket
              typo:
                type: aws/s3-prefx
                depend_on: [other]
            """, expected: [
            "bp.yaml:1:7: error: invalid blueprint name `Web App`: names must match [a-z][a-z0-9-]{0,31}",
            "bp.yaml:3:18: error: `on.repositories` entry `acme` must be an owner/name glob such as `acme/*`",
            "bp.yaml:4:18: error: `on.base_branches` must list at least one glob",
            "bp.yaml:5:17: error: entries of `on.skip_labels` must be strings, found a mapping",
            "bp.yaml:6:10: error: unknown value `maybe` for `on.forks`; expected one of `skip`, `allow`",
            "bp.yaml:7:3: error: unknown key `base_branch` in `on`; did you mean `base_branches`?",
            "bp.yaml:9:3: error: invalid resource id `Build`: ids must match [a-z][a-z0-9_-]{0,62}",
            "bp.yaml:12:11: error: resource `lonely` must be a mapping with `type` and `properties`, found a string",
            "bp.yaml:13:3: error: missing required key `type` in resource `untyped`",
            "bp.yaml:16:11: error: unknown resource type `gcp/bucket`; expected one of `aws/s3-prefix`, `aws/codebuild-project`, `aws/codepipeline`, `aws/cloudformation-stack`",
            "bp.yaml:18:11: error: unknown resource type `aws/s3-prefx`; did you mean `aws/s3-prefix`?",
            "bp.yaml:19:5: error: unknown key `depend_on` in resource `typo`; did you mean `depends_on`?",
        ]),
        BadBlueprint(title: "properties per type", yaml: """
            name: webapp
            on: { repositories: ["acme/*"] }
            resources:
              artifacts:
                type: aws/s3-prefix
                properties: { bucket: Acme_Previews, create_bucket: yes }
              build:
                type: aws/codebuild-project
                properties:
                  name: "${env.name}-build"
                  template: acme-webapp-build
                  source: { type: GITHUBB, location: x }
                  environment_variables: [A, B]
                  sourc_version: main
              inline:
                type: aws/codebuild-project
                properties:
                  name: "${env.name}-inline"
                  environment: { imag: node:20 }
              nothing:
                type: aws/codebuild-project
                properties: { name: "${env.name}-x" }
              site:
                type: aws/cloudformation-stack
                properties:
                  stack_name: 1site
                  template_file: stacks/nope.yaml
                  template_body: "{}"
                  capabilities: [CAPABILITY_IAMM, CAPABILITY_IAM]
              bare:
                type: aws/cloudformation-stack
              listed:
                type: aws/s3-prefix
                properties: [bucket, prefix]
            """, expected: [
            "bp.yaml:6:5: error: resource `artifacts` (aws/s3-prefix) is missing required property `prefix`",
            "bp.yaml:6:27: error: `Acme_Previews` is not a valid S3 bucket name (3–63 characters from [a-z0-9.-], starting and ending with a letter or digit, without `..`, not shaped like an IP address)",
            "bp.yaml:6:57: error: property `create_bucket` must be a boolean (true or false), found `yes`",
            "bp.yaml:12:7: error: property `source` conflicts with `template` (line 11): copy an existing project or define one inline, not both",
            "bp.yaml:12:23: error: unknown value `GITHUBB` for property `source.type`; did you mean `GITHUB`?",
            "bp.yaml:13:30: error: property `environment_variables` must be a mapping of strings, found a list",
            "bp.yaml:14:7: error: unknown property `sourc_version` for aws/codebuild-project; did you mean `source_version`?",
            "bp.yaml:17:5: error: resource `inline` (aws/codebuild-project) is missing required property `source`: an inline definition needs `source`, `environment` and `service_role`",
            "bp.yaml:17:5: error: resource `inline` (aws/codebuild-project) is missing required property `service_role`: an inline definition needs `source`, `environment` and `service_role`",
            "bp.yaml:19:7: error: resource `inline` (aws/codebuild-project) is missing required property `environment.image`",
            "bp.yaml:19:22: error: unknown property `imag` in `environment`; did you mean `image`?",
            "bp.yaml:22:5: error: resource `nothing` (aws/codebuild-project) needs `template` (an existing project to copy) or an inline definition with `source`, `environment` and `service_role`",
            "bp.yaml:26:19: error: `1site` is not a valid CloudFormation stack name (1–128 characters matching [a-zA-Z][-a-zA-Z0-9]*)",
            "bp.yaml:27:22: error: template file `stacks/nope.yaml` not found (looked for `\(Fixtures.blueprintsDirectory)/stacks/nope.yaml`)",
            "bp.yaml:28:7: error: property `template_body` conflicts with `template_file` (line 27): give one of them",
            "bp.yaml:29:22: error: unknown value `CAPABILITY_IAMM` for property `capabilities`; did you mean `CAPABILITY_IAM`?",
            "bp.yaml:30:3: error: resource `bare` (aws/cloudformation-stack) is missing required property `stack_name`",
            "bp.yaml:30:3: error: resource `bare` (aws/cloudformation-stack) needs `template_file` or `template_body`",
            "bp.yaml:34:17: error: `properties` of resource `listed` must be a mapping, found a list",
        ]),
        BadBlueprint(title: "references, depends_on and literal names", yaml: """
            name: webapp
            on: { repositories: ["acme/*"] }
            resources:
              build:
                type: aws/codebuild-project
                properties:
                  name: "${build.outputs.name}-x"
                  template: acme-webapp-build
                  environment_variables:
                    A: "${pipeline.outputs.stage.Build}"
                    B: "${pipeline.outputs.stage}"
                    C: "${site.outputs.AnythingGoes}"
                    D: "${build.name} ${} ${pr.number"
                    E: "${pr.nubmer} ${pipeline.outputs.nmae} ${repo.foo}"
              pipeline:
                type: aws/codepipeline
                depends_on: [pipeline, biuld, site, site]
                properties:
                  name: "${env.name}"
                  template: "acme main"
                  artifact_store: "my..bucket"
                  github_oauth_token_env: ghp_0123456789abcdefghijklmnopqrstuvwxyzAB
              pipeline2:
                type: aws/codepipeline
                properties: { name: x, template: y, github_oauth_token_env: MY-TOKEN }
              site:
                type: aws/cloudformation-stack
                properties: { stack_name: "s-${pr.head.ref}", template_body: "x", parameters: { P: "${artifact.outputs.uri}" } }
            status:
              target_url: "${site.outputs.SiteURL} ${nothing.outputs.x}"
            """, expected: [
            "bp.yaml:7:14: error: resource `build` cannot refer to its own output `${build.outputs.name}`",
            "bp.yaml:11:13: error: unknown output `stage` of resource `pipeline` (aws/codepipeline); its outputs are `name`, `arn`, `execution_id` and `stage.<StageName>`",
            "bp.yaml:13:13: error: malformed reference `${build.name}`: expected `${<resource>.outputs.<key>}` or a context variable such as `${pr.number}`",
            "bp.yaml:13:27: error: empty interpolation `${}`",
            "bp.yaml:13:31: error: unterminated `${`: add a closing `}`, or write `$${` for a literal `${`",
            "bp.yaml:14:13: error: unknown context variable `pr.nubmer`; did you mean `pr.number`?",
            "bp.yaml:14:26: error: unknown output `nmae` of resource `pipeline` (aws/codepipeline); did you mean `name`?",
            "bp.yaml:14:51: error: unknown context variable `repo.foo`; expected one of `pr.number`, `pr.head.sha`, `pr.head.ref`, `pr.base.ref`, `pr.author`, `repo.owner`, `repo.name`, `env.name`",
            "bp.yaml:17:18: error: resource `pipeline` cannot depend on itself",
            "bp.yaml:17:28: error: `depends_on` names unknown resource `biuld`; did you mean `build`?",
            "bp.yaml:17:41: warning: `depends_on` of resource `pipeline` lists `site` twice",
            "bp.yaml:20:17: error: `acme main` is not a valid CodePipeline pipeline name (1–100 characters from [A-Za-z0-9.@_-])",
            "bp.yaml:21:23: error: `my..bucket` is not a valid S3 bucket name (3–63 characters from [a-z0-9.-], starting and ending with a letter or digit, without `..`, not shaped like an IP address)",
            "bp.yaml:22:31: error: property `github_oauth_token_env` looks like a GitHub token: store the token in an environment variable and write that variable's name here",
            "bp.yaml:25:65: error: property `github_oauth_token_env` must be the name of an environment variable ([A-Za-z_][A-Za-z0-9_]*)",
            "bp.yaml:28:89: error: reference to unknown resource `artifact` in `${artifact.outputs.uri}`",
            "bp.yaml:30:40: error: reference to unknown resource `nothing` in `${nothing.outputs.x}`",
        ]),
        BadBlueprint(title: "literal names of every service", yaml: """
            name: webapp
            on: { repositories: ["acme/*"] }
            resources:
              artifacts:
                type: aws/s3-prefix
                properties: { bucket: 192.168.0.1, prefix: "../secrets/" }
              build:
                type: aws/codebuild-project
                properties: { name: "-build", template: "acme webapp" }
              pipeline:
                type: aws/codepipeline
                properties: { name: "\(String(repeating: "p", count: 101))", template: acme-webapp-main }
            """, expected: [
            "bp.yaml:6:27: error: `192.168.0.1` is not a valid S3 bucket name (3–63 characters from [a-z0-9.-], starting and ending with a letter or digit, without `..`, not shaped like an IP address)",
            "bp.yaml:6:48: error: `../secrets/` is not a valid S3 key prefix (up to 512 characters from [A-Za-z0-9._/-], not starting with `/`, without empty, `.` or `..` segments, ending with `/` (added when missing))",
            "bp.yaml:9:25: error: `-build` is not a valid CodeBuild project name (2–255 characters matching [A-Za-z0-9][A-Za-z0-9_-]*)",
            "bp.yaml:9:45: error: `acme webapp` is not a valid CodeBuild project name (2–255 characters matching [A-Za-z0-9][A-Za-z0-9_-]*)",
            "bp.yaml:12:25: error: `\(String(repeating: "p", count: 101))` is not a valid CodePipeline pipeline name (1–100 characters from [A-Za-z0-9.@_-])",
        ]),
        BadBlueprint(title: "empty document", yaml: "# nothing here\n", expected: [
            "bp.yaml:1:1: error: the blueprint is empty; it needs `name`, `on` and `resources`",
        ]),
        BadBlueprint(title: "document that is not a mapping", yaml: "- name: webapp\n", expected: [
            "bp.yaml:1:1: error: a blueprint must be a mapping with `name`, `on` and `resources`, found a list",
        ]),
        BadBlueprint(title: "missing on.repositories and empty resources", yaml: """
            name: webapp
            on:
              forks: skip
            resources: {}
            """, expected: [
            "bp.yaml:2:1: error: missing required key `repositories` in `on`",
            "bp.yaml:4:1: error: `resources` must declare at least one resource",
        ]),
    ]

    @Test(arguments: cases)
    func reportsExactDiagnostics(_ bad: BadBlueprint) {
        #expect(Fixtures.diagnostics(bad.yaml) == bad.expected)
    }

    @Test func diagnosticsCarryTheirParts() throws {
        let errors = #expect(throws: BlueprintErrors.self) {
            try BlueprintLoader.parse(yaml: "name: webapp\non: { repositories: [a/b] }\nresources: {}\n", file: "x/y.yaml", kinds: Fixtures.kinds)
        }
        let diagnostic = try #require(errors?.diagnostics.first)
        #expect(diagnostic.file == "x/y.yaml")
        #expect(diagnostic.line == 3)
        #expect(diagnostic.column == 1)
        #expect(diagnostic.severity == .error)
        #expect(diagnostic.message == "`resources` must declare at least one resource")
        #expect(errors?.description == "x/y.yaml:3:1: error: `resources` must declare at least one resource")
    }

    @Test func unreadableFileHasNoPosition() {
        let errors = #expect(throws: BlueprintErrors.self) {
            try BlueprintLoader.load(path: "/nonexistent/blueprint.yaml", kinds: Fixtures.kinds)
        }
        #expect(errors?.diagnostics.map(\.description) == ["/nonexistent/blueprint.yaml: error: cannot read the blueprint file"])
    }

    @Test func forksAllowIsAWarningNotAnError() throws {
        let blueprint = try #require(Fixtures.blueprint("""
            name: webapp
            on: { repositories: ["acme/*"], forks: allow }
            resources:
              artifacts: { type: aws/s3-prefix, properties: { bucket: acme-previews, prefix: "pr-${pr.number}/" } }
            """))
        #expect(blueprint.triggers.forks == .allow)
        #expect(blueprint.warnings.map(\.description) == [
            "bp.yaml:2:40: warning: `forks: allow` runs code from forks with this blueprint's AWS permissions; use it only for trusted contributors",
        ])
    }
}
