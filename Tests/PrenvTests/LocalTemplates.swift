import AWSCore
import AWSServices
import Foundation
import LocalAWSSupport

/// What already exists in an AWS account before prenv (the bucket, the template project and the
/// "main" pipeline), under names of this test's own, and the reference blueprint pointing at them,
/// so parallel tests never share AWS names.
struct LocalTemplates {
    let suffix: String
    let client: AWSClient

    init(_ prefix: String) {
        suffix = LocalAWS.uniqueName(prefix)
        client = LocalAWS.client(credentials: LocalAWS.credentials(accessKey: LocalAWS.uniqueAccessKey()))
    }

    var bucket: String { "\(suffix)-previews" }

    func seed() async throws {
        let role = try await LocalAWS.serviceRoleARN(client: client)
        try await S3(client: client).createBucket(bucket)
        _ = try await CodeBuild(client: client).createProject(LocalAWS.projectDocument(name: "\(suffix)-build-template", serviceRole: role))
        _ = try await CodePipeline(client: client).createPipeline(
            LocalAWS.pipelineDocument(name: "\(suffix)-main", roleArn: role, bucket: bucket, project: "\(suffix)-build-template"),
            tags: [])
    }

    /// Writes `webapp.yaml` (and its stack template) into `directory`, with this test's names.
    @discardableResult
    func writeBlueprint(in directory: URL) throws -> URL {
        let source = ValidateCommandTests.blueprints
        var text = try String(contentsOf: source.appendingPathComponent("webapp.yaml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "acme-previews", with: bucket)
            .replacingOccurrences(of: "acme-webapp-build", with: "\(suffix)-build-template")
            .replacingOccurrences(of: "acme-webapp-main", with: "\(suffix)-main")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("stacks"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source.appendingPathComponent("stacks/site.yaml"), to: directory.appendingPathComponent("stacks/site.yaml"))
        let file = directory.appendingPathComponent("webapp.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }
}
