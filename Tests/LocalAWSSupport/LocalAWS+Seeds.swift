import AWSCore
import Foundation

/// Documents the local endpoint needs before CodeBuild and CodePipeline accept a create.
extension LocalAWS {
    /// IAM is not a service prenv uses, so tests reach it through the generic Query path.
    static let iam = AWSService(
        name: "iam", signingName: "iam", endpointPrefix: "iam", endpointEnvironmentID: "IAM",
        wireProtocol: .query(apiVersion: "2010-05-08", xmlNamespace: "https://iam.amazonaws.com/doc/2010-05-08/"))

    public static let accountID = "123456789012"

    /// A role CodePipeline and CodeBuild may assume (moto checks the trust policy); created once, shared.
    public static func serviceRoleARN(client: AWSClient) async throws -> String {
        let name = "prenv-test-service-role"
        let trust = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"codepipeline.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"Service":"codebuild.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#
        var parameters = AWSQueryParameters()
        parameters["RoleName"] = name
        parameters["AssumeRolePolicyDocument"] = trust
        do {
            _ = try await client.query(iam, "CreateRole", parameters)
        } catch let error as AWSError {
            // Another test may have created it first.
            guard error.code == "EntityAlreadyExists" else { throw error }
        }
        return "arn:aws:iam::\(accountID):role/\(name)"
    }

    /// A minimal CodeBuild project document as CreateProject takes it.
    public static func projectDocument(name: String, serviceRole: String, environmentVariables: [String: String] = [:]) -> [String: JSONValue] {
        [
            "name": .string(name),
            "source": ["type": "GITHUB", "location": "https://github.com/acme/webapp.git"],
            "artifacts": ["type": "NO_ARTIFACTS"],
            "environment": .object([
                "type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType": "BUILD_GENERAL1_SMALL",
                "environmentVariables": .array(environmentVariables.sorted { $0.key < $1.key }.map {
                    ["name": .string($0.key), "value": .string($0.value), "type": "PLAINTEXT"]
                }),
            ]),
            "serviceRole": .string(serviceRole),
        ]
    }

    /// A three-stage pipeline (source, build, deploy) as CreatePipeline takes it.
    public static func pipelineDocument(name: String, roleArn: String, bucket: String, project: String, branch: String = "main") -> [String: JSONValue] {
        [
            "name": .string(name),
            "roleArn": .string(roleArn),
            "artifactStore": ["type": "S3", "location": .string(bucket)],
            "stages": [
                ["name": "Source", "actions": [[
                    "name": "Source",
                    "actionTypeId": ["category": "Source", "owner": "AWS", "provider": "CodeStarSourceConnection", "version": "1"],
                    "configuration": [
                        "ConnectionArn": "arn:aws:codestar-connections:us-east-1:123456789012:connection/abc",
                        "FullRepositoryId": "acme/webapp", "BranchName": .string(branch),
                    ],
                    "outputArtifacts": [["name": "SourceOutput"]],
                ]]],
                ["name": "Build", "actions": [[
                    "name": "Build",
                    "actionTypeId": ["category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"],
                    "configuration": ["ProjectName": .string(project)],
                    "inputArtifacts": [["name": "SourceOutput"]],
                ]]],
                ["name": "Deploy", "actions": [[
                    "name": "Deploy",
                    "actionTypeId": ["category": "Deploy", "owner": "AWS", "provider": "S3", "version": "1"],
                    "configuration": ["BucketName": .string(bucket), "Extract": "true"],
                    "inputArtifacts": [["name": "SourceOutput"]],
                ]]],
            ],
            "version": 1,
        ]
    }
}
