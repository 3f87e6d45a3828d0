import AWSCore
import AWSServices
import Foundation
import LocalAWSSupport
import Testing

/// `prenv up`, a new head SHA and `down` for `webapp.yaml`, run by the real binary as an IAM user that
/// holds nothing but `infra/iam/prenv-policy.json` (filled by `infra/iam/fill_policy.py`), with the
/// stack under a CloudFormation service role (`role_arn`).
///
/// The local endpoint enforces that user's policy itself (`POST /_prenv/iam/enforce`, see
/// infra/local/README.md "IAM enforcement"): moto's own enforcement is one switch for the whole
/// process, which would break every test running in parallel with made-up keys, and it matches
/// CodeBuild, CodePipeline and CloudFormation actions against the resource `"*"` only, so it cannot
/// evaluate a name-scoped policy at all. Enforcement is per access key, so this test runs alongside
/// the others. What the local evaluation cannot show (AWS's own action mapping, what CloudFormation
/// does as the role) is listed in infra/iam/README.md "Verified locally".
@Suite struct LeastPrivilegeLifecycleTests {
    let templates = LocalTemplates("lp")
    let number = Int.random(in: 1000...999_999)
    var admin: AWSClient { templates.client }
    /// The repository is named after the test's suffix, so `${Prefix}` (`webapp-<repo>-`) is this test's alone.
    /// Short enough to survive whole in `env.name` (40 characters, the repository part is what gets cut),
    /// which is what the README's "prefix = blueprint name + `-`" rule relies on for a longer prefix.
    var repository: String { String(templates.suffix.prefix(11)) }
    var prefix: String { "webapp-\(repository)-" }
    var stackRole: String { "prenv-test-stack-role-\(templates.suffix)" }

    static let iam = AWSService(
        name: "iam", signingName: "iam", endpointPrefix: "iam", endpointEnvironmentID: "IAM",
        wireProtocol: .query(apiVersion: "2010-05-08", xmlNamespace: "https://iam.amazonaws.com/doc/2010-05-08/"))
    static let root = ValidateCommandTests.blueprints.deletingLastPathComponent()

    struct Failure: Error, CustomStringConvertible { let description: String }

    @Test func lifecycleUnderTheShippedPolicyLeavesNothingAndForeignCallsAreRefused() async throws {
        try await LocalAWS.requireRunning()
        try await templates.seed()
        let key = try await userWithShippedPolicy()
        let client = LocalAWS.client(credentials: LocalAWS.credentials(accessKey: key.id, secret: key.secret))
        try await LocalAWS.admin("POST", "/_prenv/iam/enforce", ["access_key_id": key.id])

        // Proof that enforcement is on for this key: a call the policy does not grant, refused before anything else runs.
        let unlisted = await #expect(throws: AWSError.self) {
            _ = try await client.json(.codeBuild, "ListProjects", AWSEmpty(), as: JSONValue.self)
        }
        #expect(unlisted?.code == "AccessDeniedException", "\(String(describing: unlisted))")

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-least-privilege-\(templates.suffix)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let blueprint = try writeBlueprintWithStackRole(in: directory)
        let state = directory.appendingPathComponent("state/state.sqlite")
        let pr = ["--repo", "acme/\(repository)", "--pr", String(number)]
        let up = ["up", "--blueprint", blueprint.path] + pr + ["--head-ref", "feature/login", "--poll-interval", "0.05"]
        func prenv(_ arguments: [String]) async throws -> PrenvBinary.Result {
            try await PrenvBinary.run(arguments + ["--state", "sqlite:\(state.path)"], environment: PrenvBinary.isolatedEnvironment([
                "AWS_ACCESS_KEY_ID": key.id, "AWS_SECRET_ACCESS_KEY": key.secret, "AWS_REGION": LocalAWS.region,
                "AWS_ENDPOINT_URL": LocalAWS.endpoint.absoluteString,
            ]))
        }

        let first = try await prenv(up + ["--sha", "1111111111111111111111111111111111111111"])
        #expect(first.status == 0, "\(first.output)")
        let names = EnvironmentLifecycleTests.physicalNames(try await prenv(["ls"]).output)
        let envName = try #require(names["pipeline"], "ls names the pipeline after the environment")
        #expect(envName.hasPrefix(prefix), "\(envName) does not start with \(prefix): the policy's prefix assumption broke")
        let site = try #require(names["site"], "ls names the site stack")
        #expect(try await stackRoleARN(site) == "arn:aws:iam::\(LocalAWS.accountID):role/\(stackRole)", "the stack runs as the role")

        let again = try await prenv(up + ["--sha", "2222222222222222222222222222222222222222"])
        #expect(again.status == 0, "\(again.output)")
        let down = try await prenv(["down"] + pr)
        #expect(down.status == 0, "\(down.output)")

        // Every call prenv made was allowed: nothing it needs is missing from the policy.
        let duringLifecycle = try await decisions(key.id)
        #expect(duringLifecycle.denied.map(\.action) == ["codebuild:ListProjects"], "\(duringLifecycle.denied)")
        #expect(duringLifecycle.allowed > 20, "prenv's calls went through the enforcement: \(duringLifecycle.allowed)")

        let calls = try await LocalAWS.callCounts(accessKey: key.id)
        print("AWS calls under the shipped policy, by service.operation: \(calls.sorted { $0.key < $1.key })")
        // The writes the policy conditions went through the enforcement (UpdateStack, UpdatePipeline and
        // StopPipelineExecution do not occur in this lifecycle; infra/local/tests/test_iam_enforce.py covers their statements).
        for write in ["s3.PUT", "s3.POST", "codebuild.CreateProject", "codebuild.UpdateProject", "codebuild.DeleteProject",
                      "codepipeline.CreatePipeline", "codepipeline.DeletePipeline", "cloudformation.CreateStack", "cloudformation.DeleteStack"] {
            #expect(calls[write, default: 0] >= 1, "\(write) was not exercised")
        }
        #expect(calls["codepipeline.StartPipelineExecution"] == 2, "\(calls)")
        // Nothing left.
        let after = try await TaggedResources.find(envName: envName, client: admin)
        #expect(after.isEmpty, "left behind: \(after)")
        #expect(try await S3(client: admin).listObjectsV2(bucket: templates.bucket, prefix: "\(repository)/pr-\(number)/").isEmpty)

        // Calls outside the policy are refused, and the resources survive.
        let foreign = "\(prefix)foreign"
        let role = try await LocalAWS.serviceRoleARN(client: admin)
        _ = try await CodeBuild(client: admin).createProject(LocalAWS.projectDocument(name: foreign, serviceRole: role))
        let deleteForeign = await #expect(throws: AWSError.self) { try await CodeBuild(client: client).deleteProject(name: foreign) }
        #expect(deleteForeign?.code == "AccessDeniedException", "\(String(describing: deleteForeign))")
        #expect(try await CodeBuild(client: admin).batchGetProjects(names: [foreign]).projects?.count == 1)

        let deleteTemplate = await #expect(throws: AWSError.self) {
            try await CodePipeline(client: client).deletePipeline(name: "\(templates.suffix)-main")
        }
        #expect(deleteTemplate?.code == "AccessDeniedException", "\(String(describing: deleteTemplate))")
        _ = try await CodePipeline(client: admin).getPipeline(name: "\(templates.suffix)-main")

        let otherRole = await #expect(throws: AWSError.self) {
            _ = try await CloudFormation(client: client).createStack(.init(
                stackName: "\(prefix)escalate", templateBody: "{\"Resources\":{}}",
                tags: [.init(key: "prenv:managed-by", value: "prenv")], roleARN: role))
        }
        #expect(otherRole?.code == "AccessDenied", "\(String(describing: otherRole))")

        let refused = try await decisions(key.id).denied.dropFirst(duringLifecycle.denied.count)
        #expect(refused.map(\.action) == ["codebuild:DeleteProject", "codepipeline:DeletePipeline", "iam:PassRole"], "\(refused)")
        #expect(refused.first?.reason == "no statement allows it")
        try await LocalAWS.admin("DELETE", "/_prenv/iam/enforce?access_key_id=\(key.id)")
        try await CodeBuild(client: admin).deleteProject(name: foreign)
    }

    // MARK: - Arrangement

    /// The filled policy, from the same script the README tells users to run.
    func filledPolicy() throws -> String {
        let values = [
            "Region": LocalAWS.region, "Account": LocalAWS.accountID, "Prefix": prefix,
            "TemplateProject": "\(templates.suffix)-build-template", "TemplatePipeline": "\(templates.suffix)-main",
            "ArtifactBucket": templates.bucket, "ArtifactKeyPattern": "\(repository)/pr-*/*",
            "CodeBuildServiceRole": "prenv-test-service-role", "PipelineServiceRole": "prenv-test-service-role",
            "StackServiceRole": stackRole,
            "ConnectionArn": "arn:aws:codestar-connections:us-east-1:\(LocalAWS.accountID):connection/abc",
        ]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.root.appendingPathComponent("infra/iam/fill_policy.py").path,
                             Self.root.appendingPathComponent("infra/iam/prenv-policy.json").path]
            + values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = output.fileHandleForReading.readDataToEndOfFile()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "fill_policy.py failed: \(String(decoding: message, as: UTF8.self))")
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// A user created through moto's IAM API with the filled policy attached as a managed policy (as
    /// the README does) and one access key; also the stack's service role.
    func userWithShippedPolicy() async throws -> (id: String, secret: String) {
        let user = "prenv-least-privilege-\(templates.suffix)"
        var parameters = AWSQueryParameters()
        parameters["RoleName"] = stackRole
        parameters["AssumeRolePolicyDocument"] =
            #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudformation.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#
        _ = try await admin.query(Self.iam, "CreateRole", parameters)

        parameters = AWSQueryParameters()
        parameters["UserName"] = user
        _ = try await admin.query(Self.iam, "CreateUser", parameters)

        parameters = AWSQueryParameters()
        parameters["PolicyName"] = user
        parameters["PolicyDocument"] = try filledPolicy()
        let policy = try await admin.query(Self.iam, "CreatePolicy", parameters)
        let policyARN = try #require(policy.child("Policy")?.child("Arn")?.text)

        parameters = AWSQueryParameters()
        parameters["UserName"] = user
        parameters["PolicyArn"] = policyARN
        _ = try await admin.query(Self.iam, "AttachUserPolicy", parameters)

        parameters = AWSQueryParameters()
        parameters["UserName"] = user
        let key = try await admin.query(Self.iam, "CreateAccessKey", parameters)
        let id = try #require(key.child("AccessKey")?.child("AccessKeyId")?.text)
        let secret = try #require(key.child("AccessKey")?.child("SecretAccessKey")?.text)
        return (id, secret)
    }

    /// `webapp.yaml` with this test's names, and the site stack under the service role.
    func writeBlueprintWithStackRole(in directory: URL) throws -> URL {
        let file = try templates.writeBlueprint(in: directory)
        let parameters = #"      parameters: { ArtifactUri: "${artifacts.outputs.uri}" }"#
        let text = try String(contentsOf: file, encoding: .utf8)
        guard text.contains(parameters) else { throw Failure(description: "webapp.yaml's site no longer has \(parameters)") }
        let withRole = text.replacingOccurrences(
            of: parameters, with: parameters + "\n      role_arn: arn:aws:iam::\(LocalAWS.accountID):role/\(stackRole)")
        try withRole.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    func stackRoleARN(_ stack: String) async throws -> String? {
        var parameters = AWSQueryParameters()
        parameters["StackName"] = stack
        return try await admin.query(.cloudFormation, "DescribeStacks", parameters)
            .child("Stacks")?.children("member").first?.child("RoleARN")?.text
    }

    struct Denial { let action: String; let reason: String }

    /// What the endpoint's enforcement decided for `key`: allowed calls, and every refusal in order.
    func decisions(_ key: String) async throws -> (allowed: Int, denied: [Denial]) {
        let answer = try await LocalAWS.admin("GET", "/_prenv/iam/enforce?access_key_id=\(key)")
        let mine = (answer["decisions"] as? [String: Any])?[key] as? [String: Any] ?? [:]
        let denied = (mine["denied"] as? [[String: Any]] ?? []).map {
            Denial(action: $0["action"] as? String ?? "?", reason: $0["reason"] as? String ?? "?")
        }
        return (mine["allowed"] as? Int ?? 0, denied)
    }
}
