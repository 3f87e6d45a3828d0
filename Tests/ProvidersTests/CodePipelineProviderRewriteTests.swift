import AWSCore
import Blueprint
import Testing

@testable import Providers

/// The declaration rewrite alone (no AWS): the rules the integration tests cannot reach cheaply.
@Suite struct CodePipelineProviderRewriteTests {
    let settings: CodePipelineSettings

    init() throws {
        settings = try CodePipelineSettings([
            "name": .string("env-1"), "template": .string("main-pipe"), "branch": .string("feature/x"),
            "artifact_store": .string("pr-bucket"), "replace_projects": .map(["main-build": .string("env-1-build")]),
        ], headSHA: "abc123")
    }

    static func template(actions: [JSONValue], extra: [String: JSONValue] = [:]) -> [String: JSONValue] {
        [
            "name": "main-pipe", "version": 7, "roleArn": "arn:role",
            "stages": [["name": "Source", "actions": .array(actions)], ["name": "Build", "actions": [[
                "name": "Build", "actionTypeId": ["category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"],
                "configuration": ["ProjectName": "main-build", "PrimarySource": "Src"],
            ]]]],
        ].merging(extra) { _, new in new }
    }

    static func source(_ provider: String, owner: String = "AWS", _ configuration: [String: JSONValue]) -> JSONValue {
        ["name": .string(provider), "actionTypeId": ["category": "Source", "owner": .string(owner), "provider": .string(provider), "version": "1"],
         "configuration": .object(configuration)]
    }

    func noToken() throws(ProviderError) -> String { throw ProviderError.invalidProperty(property: "github_oauth_token_env", reason: "none") }

    @Test func s3ObjectKeySegmentEqualToTheTemplateBranchIsReplaced() throws {
        let template = Self.template(actions: [
            Self.source("CodeCommit", ["RepositoryName": "webapp", "BranchName": "main"]),
            Self.source("S3", ["S3Bucket": "drops", "S3ObjectKey": "builds/main/maintenance.zip"]),
        ])
        let clone = try settings.rewrite(template, oauthToken: noToken).declaration
        let actions = CodePipelineJSON.actions(clone)
        #expect(actions[0]["configuration"]?["BranchName"] == "feature/x")
        #expect(actions[1]["configuration"]?["S3ObjectKey"] == "builds/feature/x/maintenance.zip")
        #expect(actions[2]["configuration"] == ["ProjectName": "env-1-build", "PrimarySource": "Src"])
        #expect(clone["version"] == nil && clone["name"] == "env-1" && clone["roleArn"] == "arn:role")
    }

    @Test func everyCrossRegionArtifactStoreMoves() throws {
        let template = Self.template(actions: [Self.source("CodeCommit", ["BranchName": "main"])], extra: [
            "artifactStores": ["us-east-1": ["type": "S3", "location": "a"], "eu-west-1": ["type": "S3", "location": "b", "encryptionKey": ["id": "k"]]],
        ])
        let clone = try settings.rewrite(template, oauthToken: noToken).declaration
        #expect(clone["artifactStores"] == [
            "us-east-1": ["type": "S3", "location": "pr-bucket"], "eu-west-1": ["type": "S3", "location": "pr-bucket", "encryptionKey": ["id": "k"]],
        ])
    }

    @Test func replaceProjectsKeyNoActionUsesIsAnError() throws {
        var typo = settings
        typo.replaceProjects = ["main-bild": "env-1-build"]
        let template = Self.template(actions: [Self.source("CodeCommit", ["BranchName": "main"])])
        #expect(throws: ProviderError.invalidProperty(
            property: "replace_projects",
            reason: "template pipeline main-pipe has no CodeBuild action running project main-bild (its CodeBuild projects: main-build)")
        ) { try typo.rewrite(template, oauthToken: noToken) }
    }

    @Test func comparisonIgnoresVersionAndMaskedTokens() throws {
        let template = Self.template(actions: [Self.source("GitHub", owner: "ThirdParty", ["Branch": "main", "OAuthToken": "****"])])
        let clone = try settings.rewrite(template, oauthToken: { "tok-123" })
        #expect(CodePipelineJSON.actions(clone.declaration)[0]["configuration"] == ["Branch": "feature/x", "OAuthToken": "tok-123"])
        var current = clone.declaration
        current["version"] = 3
        current = CodePipelineJSON.mapActions(current) { (_: String, action: inout CodePipelineJSON.Object) in
            if action["name"] == "GitHub" { action["configuration"] = ["Branch": "feature/x", "OAuthToken": "****"] }
        }
        #expect(clone.matches(current))
        #expect(clone.secret == "tok-123" && clone.commitSourceActions.isEmpty)
    }

    @Test func awsErrorsNeverCarryTheToken() async throws {
        let clone = CodePipelineClone(declaration: [:], commitSourceActions: [], isV2: false, secret: "tok-123", decisions: [])
        let error = await #expect(throws: AWSError.self) {
            try await clone.maskingSecret { () async throws(AWSError) -> Int in
                throw AWSError(service: "codepipeline", operation: "CreatePipeline", code: "ValidationException", message: "value tok-123 is bad")
            }
        }
        #expect(error?.message == "value **** is bad")
    }

    @Test func requestTokenIsStableAndWithinAWSRules() {
        let a = CodePipelineProvider.requestToken(envName: "env.@_x", revision: "abc/def", pipelineCreated: nil, previousExecution: nil)
        #expect(a == CodePipelineProvider.requestToken(envName: "env.@_x", revision: "abc/def", pipelineCreated: nil, previousExecution: nil))
        #expect(a != CodePipelineProvider.requestToken(envName: "env.@_x", revision: "abc/def", pipelineCreated: nil, previousExecution: "e1"))
        #expect(a.count <= 128 && a.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
    }
}
