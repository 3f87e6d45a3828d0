import AWSCore
import AWSServices
import Foundation
import LocalAWSSupport
import Orchestrator
import Testing

@testable import Providers

/// What a prenv stack creates carries the stack's `prenv:*` tags (CloudFormation copies them) and
/// AWS's `aws:cloudformation:*` ones. The stack owns it: discovery must never report it, or `gc`
/// would delete a live environment's contents.
///
/// moto 5.2.1 copies a stack's tags onto EC2 resources only (none of prenv's kinds) and adds no
/// `aws:cloudformation:` tag elsewhere, so these tests write the tags real AWS would put there
/// themselves. CodeBuild and CloudFormation accept `aws:` keys from a caller here; S3 and
/// CodePipeline refuse them, so those kinds are covered through the shared `InstanceTagged.find`.
@Suite(.serialized) struct StackMadeDiscoveryTests {
    let client = LocalAWS.client()

    /// The tags of PR 7's environment with `prenv:node = site`, as its stack carries them.
    static func stackTags(instance: String, envName: String) -> [String: String] {
        var tags = ProvisionContext.defaultTags(envName: envName, key: EnvironmentKey(repository: "acme/webapp", pr: 7, blueprint: "webapp"),
                                                instance: instance)
        tags[PrenvTag.node] = "site"
        return tags
    }

    /// What CloudFormation adds to each resource stack `stack` creates, under logical id `logicalID`.
    static func madeBy(stack: String, id: String, logicalID: String) -> [String: String] {
        ["aws:cloudformation:stack-name": stack, "aws:cloudformation:stack-id": id, "aws:cloudformation:logical-id": logicalID]
    }

    func createProject(_ name: String, tags: [String: String]) async throws {
        let role = try await LocalAWS.serviceRoleARN(client: client)
        var document = LocalAWS.projectDocument(name: name, serviceRole: role)
        document["tags"] = .array(tags.sorted { $0.key < $1.key }.map { .object(["key": .string($0.key), "value": .string($0.value)]) })
        _ = try await CodeBuild(client: client).createProject(document)
    }

    func createStack(_ name: String, tags: [String: String]) async throws -> String {
        try await CloudFormation(client: client).createStack(.init(
            stackName: name, templateBody: CloudFormationStackFixture.template, parameters: [.init(parameterKey: "ArtifactUri", parameterValue: "s3://a/pr-7/")],
            tags: tags.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: $0.value) }))
    }

    @Test func whatALiveStackCreatedIsNeverDiscovered() async throws {
        try await LocalAWS.requireRunning()
        let instance = LocalAWS.uniqueName("gc-cfn")
        let envName = LocalAWS.uniqueName("webapp-pr-7")
        let tags = Self.stackTags(instance: instance, envName: envName)
        // prenv's own top-level stack and a project prenv made itself: found.
        let stackName = LocalAWS.uniqueName("prenv-site")
        let stackID = try await createStack(stackName, tags: tags)
        let ownProject = LocalAWS.uniqueName("prenv-own")
        try await createProject(ownProject, tags: tags)
        // A nested stack and a project the stack's template made: the stack's tags plus AWS's.
        let nestedName = "\(stackName)-Nested-XYZ"
        _ = try await createStack(nestedName, tags: tags.merging(Self.madeBy(stack: stackName, id: stackID, logicalID: "Nested")) { $1 })
        let childProject = "\(stackName)-TestProject-ABC"
        try await createProject(childProject, tags: tags.merging(Self.madeBy(stack: stackName, id: stackID, logicalID: "TestProject")) { $1 })

        let query = DiscoveryQuery(instance: instance)
        let stacksResult = try await CloudFormationStackDiscovery(client: client, pageSize: 1).discover(query)
        #expect(stacksResult.skipped.isEmpty)
        let stacks = stacksResult.resources
        #expect(stacks.map(\.node.physicalName) == [stackName], "stacks found: \(stacks.map(\.identifier))")
        let projectsResult = try await CodeBuildProjectDiscovery(client: client, pageSize: 1).discover(query)
        #expect(projectsResult.skipped.isEmpty)
        let projects = projectsResult.resources
        #expect(projects.map(\.node.physicalName) == [ownProject], "projects found: \(projects.map(\.identifier))")

        // What stands behind the filter: the tagging listing does return the stack-made ones.
        let listed = try await InstanceTagged(client: client).find("codebuild:project", instance: instance, includingStackMade: true)
        #expect(Set(listed.compactMap { InstanceTagged.resourceName(of: $0.resourceARN, after: "project/") }) == [ownProject, childProject])
    }

    @Test func onlyAnAWSCloudFormationTagMarksAResourceStackMade() {
        #expect(StackMadeTags.madeByStack(["aws:cloudformation:logical-id": "Site"]))
        #expect(StackMadeTags.madeByStack(["prenv:node": "site", "aws:cloudformation:stack-id": "arn:aws:cloudformation:us-east-1:1:stack/s/1"]))
        #expect(!StackMadeTags.madeByStack(["prenv:node": "site", "prenv:env": "webapp-pr-7"]))
        // Another AWS service's tag, or the prefix without its namespace, is not CloudFormation's.
        #expect(!StackMadeTags.madeByStack(["aws:codebuild:source": "x", "cloudformation:stack-id": "x"]))
    }
}
