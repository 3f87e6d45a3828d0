import AWSCore
import Blueprint
import Testing

@testable import Providers

/// A PR's commit runs through every action of its clone: nothing of the template's rides along unless
/// the blueprint accounted for it (no AWS: the policy is decided on the declaration).
@Suite struct ClonePolicyTests {
    static func action(_ name: String, _ category: String, _ provider: String, owner: String = "AWS",
                       configuration: [String: JSONValue] = [:], extra: [String: JSONValue] = [:]) -> JSONValue {
        .object([
            "name": .string(name),
            "actionTypeId": ["category": .string(category), "owner": .string(owner), "provider": .string(provider), "version": "1"],
            "configuration": .object(configuration),
        ].merging(extra) { _, new in new })
    }

    /// The template a careful reviewer fears: deploys, an invoke, an approval, a cross-account role.
    static let hostileTemplate: [String: JSONValue] = [
        "name": "main-pipe", "roleArn": "arn:aws:iam::111111111111:role/pipeline",
        "stages": [
            ["name": "Source", "actions": [action("Src", "Source", "CodeStarSourceConnection", configuration: ["BranchName": "main"])]],
            ["name": "Build", "actions": [
                action("Build", "Build", "CodeBuild", configuration: ["ProjectName": "main-build"]),
                action("Lint", "Test", "CodeBuild", configuration: ["ProjectName": "main-lint"]),
            ]],
            ["name": "Approve", "actions": [action("Gate", "Approval", "Manual")]],
            ["name": "Prod", "actions": [
                action("Stack", "Deploy", "CloudFormation", configuration: ["StackName": "prod"]),
                action("Service", "Deploy", "ECS", configuration: ["ClusterName": "prod"]),
                action("Hook", "Invoke", "Lambda", configuration: ["FunctionName": "notify"]),
                action("Other", "Deploy", "CodeDeploy", configuration: ["ApplicationName": "prod"],
                       extra: ["roleArn": "arn:aws:iam::222222222222:role/cross-account-deployer"]),
            ]],
        ],
    ]

    static func settings(drop: [String] = [], keep: [String] = [], replace: [String: String] = ["main-build": "env-1-build"]) throws -> CodePipelineSettings {
        try CodePipelineSettings([
            "name": .string("env-1"), "template": .string("main-pipe"), "branch": .string("feature/x"),
            "replace_projects": .map(replace.mapValues { .string($0) }),
            "drop_stages": .list(drop.map { .string($0) }), "keep_actions": .list(keep.map { .string($0) }),
        ], headSHA: "abc123")
    }

    static func refusal(_ settings: CodePipelineSettings, _ template: [String: JSONValue] = hostileTemplate) -> String? {
        do {
            _ = try settings.rewrite(template) { () throws(ProviderError) -> String in "token" }
            return nil
        } catch {
            if case let .refused(reason) = error { return reason }
            return "unexpected: \(error)"
        }
    }

    @Test func everyUnaccountedActionIsRefusedByNameCategoryAndProvider() throws {
        let reason = try #require(Self.refusal(try Self.settings()))
        for (stage, name, category, provider) in [
            ("Build", "Lint", "Test", "CodeBuild"), ("Approve", "Gate", "Approval", "Manual"), ("Prod", "Stack", "Deploy", "CloudFormation"),
            ("Prod", "Service", "Deploy", "ECS"), ("Prod", "Hook", "Invoke", "Lambda"), ("Prod", "Other", "Deploy", "CodeDeploy"),
        ] {
            #expect(reason.contains("template pipeline main-pipe stage \(stage) action \(name) (category \(category), provider \(provider))"), "\(reason)")
            #expect(reason.contains("`drop_stages: [\(stage)]`") && reason.contains("`keep_actions: [\"\(stage)/\(name)\"]`"))
        }
        #expect(reason.contains("runs CodeBuild project main-lint, which `replace_projects` does not map"))
        #expect(reason.contains("has its own roleArn (arn:aws:iam::222222222222:role/cross-account-deployer)"))
        #expect(!reason.contains("action Src ") && !reason.contains("action Build "), "accounted actions are not listed")
    }

    @Test func droppingStagesAndKeepingActionsAccountsForEverything() throws {
        let settings = try Self.settings(drop: ["Approve", "Prod"], keep: ["Build/Lint"])
        let clone = try settings.rewrite(Self.hostileTemplate) { () throws(ProviderError) -> String in "token" }
        let stages = (clone.declaration["stages"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        #expect(stages == ["Source", "Build"])
        let actions = CodePipelineJSON.actions(clone.declaration)
        #expect(actions.map { $0["name"]?.stringValue } == ["Src", "Build", "Lint"])
        #expect(actions[2]["configuration"] == ["ProjectName": "main-lint"], "kept verbatim")
        #expect(clone.decisions.map(\.outcome) == [.rewrittenSource, .replacedProject, .kept, .dropped, .dropped, .dropped, .dropped, .dropped])
        #expect(CodePipelineProvider.describe(clone.decisions, template: "main-pipe")
            == "cloning main-pipe: keeps Source/Src, Build/Build, Build/Lint; drops Approve/Gate, Prod/Stack, Prod/Service, Prod/Hook, Prod/Other")
    }

    @Test func aKeptActionKeepsItsRoleDeliberately() throws {
        let settings = try Self.settings(drop: ["Approve"], keep: ["Build/Lint", "Prod/Stack", "Prod/Service", "Prod/Hook", "Prod/Other"])
        let clone = try settings.rewrite(Self.hostileTemplate) { () throws(ProviderError) -> String in "token" }
        let other = CodePipelineJSON.actions(clone.declaration).first { $0["name"] == "Other" }
        #expect(other?["roleArn"] == "arn:aws:iam::222222222222:role/cross-account-deployer")
    }

    @Test func aRoleOnAnOtherwiseAccountedActionIsRefused() throws {
        var template = Self.hostileTemplate
        template["stages"] = [["name": "Source", "actions": [
            Self.action("Src", "Source", "CodeCommit", configuration: ["BranchName": "main"], extra: ["roleArn": "arn:aws:iam::333333333333:role/reader"]),
        ]]]
        let reason = try #require(Self.refusal(try Self.settings(replace: [:]), template))
        #expect(reason.contains("stage Source action Src (category Source, provider CodeCommit) has its own roleArn"))
    }

    @Test func unknownStageAndActionNamesAreErrors() throws {
        let reason = try #require(Self.refusal(try Self.settings(drop: ["Approve", "Prod", "Deploy"], keep: ["Build/Lint", "Build/Lnit", "Nope"])))
        #expect(reason == "`drop_stages` names no stage of template pipeline main-pipe: Deploy; "
            + "`keep_actions` names no action of template pipeline main-pipe (write Stage/Action): Build/Lnit, Nope")
    }

    @Test func theBlueprintAcceptsBothProperties() throws {
        let yaml = """
            name: webapp
            on: { repositories: [acme/site] }
            resources:
              pipeline:
                type: aws/codepipeline
                properties: { name: p, template: t, drop_stages: [Prod], keep_actions: ["Build/Lint"] }
            """
        let blueprint = try BlueprintLoader.parse(yaml: yaml, file: "bp.yaml", kinds: ProviderKind.all.resourceKinds)
        #expect(blueprint.resource("pipeline")?.properties["drop_stages"] != nil)
        #expect(throws: BlueprintErrors.self) {
            try BlueprintLoader.parse(yaml: yaml.replacingOccurrences(of: "[Prod]", with: "Prod"), file: "bp.yaml", kinds: ProviderKind.all.resourceKinds)
        }
    }

    /// Stage conditions run rules (a Lambda, shell commands) with the PR's commit, each with a role.
    @Test func stageConditionsAreAccountedForLikeActions() throws {
        var template = Self.hostileTemplate
        template["stages"] = [
            ["name": "Source", "actions": [Self.action("Src", "Source", "CodeStarSourceConnection", configuration: ["BranchName": "main"])]],
            ["name": "Build", "actions": [Self.action("Build", "Build", "CodeBuild", configuration: ["ProjectName": "main-build"])],
             "onSuccess": ["conditions": [["rules": [[
                 "name": "Promote", "ruleTypeId": ["category": "Rule", "owner": "AWS", "provider": "LambdaInvoke", "version": "1"],
                 "configuration": ["FunctionName": "promote-to-prod"], "roleArn": "arn:aws:iam::111111111111:role/prod-deployer",
             ]]]]],
             "onFailure": ["result": "ROLLBACK"]],
        ]
        let reason = try #require(Self.refusal(try Self.settings(), template))
        #expect(reason.hasPrefix("template pipeline main-pipe stage Build action onSuccess (category Condition, provider LambdaInvoke) "
            + "holds conditions whose rules run with the PR's commit"), "\(reason)")
        #expect(!reason.contains("onFailure"), "a rollback setting runs nothing")
        let kept = try Self.settings(keep: ["Build/onSuccess"]).rewrite(template) { () throws(ProviderError) -> String in "t" }
        #expect(kept.decisions.contains { $0.action == "onSuccess" && $0.outcome == .kept })

        var unknown = template
        unknown["stages"] = [["name": "Source", "actions": [Self.action("Src", "Source", "CodeCommit", configuration: ["BranchName": "main"])],
                              "mystery": ["run": "anything"]]]
        let refused = try #require(Self.refusal(try Self.settings(replace: [:]), unknown))
        #expect(refused.contains("stage Source action mystery (category Condition, provider ?) is a stage member prenv does not know"))
    }

    /// A `Custom` action type called CodeBuild is somebody's job worker, not a project `replace_projects` maps.
    @Test func actionKindsRequireTheirOwner() throws {
        var template = Self.hostileTemplate
        template["stages"] = [
            ["name": "Source", "actions": [Self.action("Src", "Source", "CodeStarSourceConnection", configuration: ["BranchName": "main"])]],
            ["name": "Build", "actions": [Self.action("Build", "Build", "CodeBuild", owner: "Custom", configuration: ["ProjectName": "main-build"])]],
        ]
        let reason = try #require(Self.refusal(try Self.settings(replace: [:]), template))
        #expect(reason.contains("stage Build action Build (category Build, provider CodeBuild) is not a source prenv rewrites"), "\(reason)")
    }

    /// Pull-request triggers would start this PR's clone for other PRs' commits; tag filters for tags.
    @Test func triggersFireOnlyForThePRBranch() throws {
        var template = Self.hostileTemplate
        template["stages"] = [
            ["name": "Source", "actions": [Self.action("Src", "Source", "CodeStarSourceConnection", configuration: ["BranchName": "main"])]],
        ]
        template["triggers"] = [
            ["providerType": "CodeStarSourceConnection", "gitConfiguration": [
                "sourceActionName": "Src",
                "pullRequest": [["events": ["OPEN", "UPDATED"], "branches": ["includes": ["main"]]]],
                "push": [["tags": ["includes": ["v*"]]], ["branches": ["includes": ["main"]], "filePaths": ["includes": ["app/**"]]]],
            ]],
            ["providerType": "CodeStarSourceConnection", "gitConfiguration": [
                "sourceActionName": "Src", "pullRequest": [["events": ["OPEN"]]],
            ]],
        ]
        let clone = try Self.settings(replace: [:]).rewrite(template) { () throws(ProviderError) -> String in "t" }
        #expect(clone.declaration["triggers"] == [
            ["providerType": "CodeStarSourceConnection", "gitConfiguration": [
                "sourceActionName": "Src",
                "push": [["branches": ["includes": ["feature/x"]]], ["branches": ["includes": ["feature/x"]], "filePaths": ["includes": ["app/**"]]]],
            ]],
        ])
    }
}
