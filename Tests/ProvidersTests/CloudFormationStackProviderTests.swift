import AWSCore
import AWSServices
import Blueprint
import Foundation
import LocalAWSSupport
import Orchestrator
import Providers
import Testing

/// One test's world: its own access key (fault rules and call counts are its own), stack name and provider.
struct CloudFormationStackFixture {
    let accessKey = LocalAWS.uniqueAccessKey()
    let name = LocalAWS.uniqueName("prenv-stack")
    let client: AWSClient
    let cloudFormation: CloudFormation
    let provider: CloudFormationStackProvider
    let context: ProvisionContext
    let progress = CloudFormationStackProgressLog()

    init(waiter: Waiter = .fast) {
        client = LocalAWS.client(credentials: LocalAWS.credentials(accessKey: accessKey))
        cloudFormation = CloudFormation(client: client)
        provider = CloudFormationStackProvider(client: client, waiter: waiter)
        context = ProvisionContext(envName: "webapp-\(name)", key: EnvironmentKey(repository: "acme/webapp", pr: 7, blueprint: "webapp"), headSHA: "0123abcd")
    }

    static let template = """
        AWSTemplateFormatVersion: "2010-09-09"
        Parameters:
          ArtifactUri:
            Type: String
        Resources:
          Site:
            Type: AWS::S3::Bucket
        Outputs:
          SiteURL:
            Value: !Sub "https://${Site}.example.com/${ArtifactUri}"
        """

    func properties(artifact: String = "s3://artifacts/pr-7/") -> [String: RenderedValue] {
        [
            "stack_name": .string(name), "template_body": .string(Self.template),
            "parameters": .map(["ArtifactUri": .string(artifact)]), "capabilities": .list([.string("CAPABILITY_IAM")]),
        ]
    }

    func apply(_ action: ApplyAction = .create, properties: [String: RenderedValue]? = nil, previous: NodeRecord? = nil) async throws -> ApplyResult {
        let log = progress
        return try await provider.apply(ApplyRequest(
            nodeID: "site", action: action, properties: properties ?? self.properties(), previous: previous, context: context,
            progress: { log.append($0) }))
    }

    /// The record the executor would keep after `result`.
    func record(_ result: ApplyResult, properties: [String: RenderedValue]? = nil, status: NodeStatus = .created) -> NodeRecord {
        NodeRecord(id: "site", type: .cloudFormationStack, status: status, properties: properties ?? self.properties(),
                   outputs: result.outputs, physicalName: result.physicalName, updatedAt: Date())
    }

    func destroy(_ record: NodeRecord) async throws {
        let log = progress
        try await provider.destroy(record, context: context, progress: { log.append($0) })
    }

    func counts() async throws -> [String: Int] { try await LocalAWS.callCounts(accessKey: accessKey) }

    func stack(_ nameOrID: String) async throws -> CloudFormation.Stack? { try await cloudFormation.describeStacks(stackName: nameOrID).first }
}

/// Progress lines, collected from the provider's `@Sendable` callback.
final class CloudFormationStackProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ line: String) { lock.withLock { storage.append(line) } }
    var lines: [String] { lock.withLock { storage } }
    func contains(_ text: String) -> Bool { lines.contains { $0.contains(text) } }
}

/// Create, re-apply and update against the local endpoint (stacks stay `*_IN_PROGRESS` for a while there).
@Suite struct CloudFormationStackProviderTests {
    @Test func createReportsEveryOutputAndStackIDAfterWaitingThroughCreateInProgress() async throws {
        try await LocalAWS.requireRunning()
        let fixture = CloudFormationStackFixture()
        let result = try await fixture.apply()
        #expect(result.physicalName == fixture.name)
        #expect(result.outputs["SiteURL"]?.hasSuffix("/s3://artifacts/pr-7/") == true)
        let stackID = try #require(result.outputs["stack_id"])
        #expect(stackID.hasPrefix("arn:aws:cloudformation:"))
        #expect(fixture.progress.contains("CREATE_IN_PROGRESS"))
        #expect(fixture.progress.contains("CREATE_COMPLETE"))
        let stack = try #require(try await fixture.stack(fixture.name))
        #expect(stack.stackStatus == "CREATE_COMPLETE")
        #expect(stack.tags.contains(.init(key: "prenv:env", value: fixture.context.envName)))
        #expect(stack.tags.contains(.init(key: "prenv:managed-by", value: "prenv")))
        #expect(try await fixture.counts()["cloudformation.CreateStack"] == 1)
    }

    @Test func reapplyingWhatTheRecordSaysIsAppliedSendsNoWrite() async throws {
        try await LocalAWS.requireRunning()
        let fixture = CloudFormationStackFixture()
        let created = try await fixture.apply()
        let before = try await fixture.counts()
        let again = try await fixture.apply(.update(changed: []), previous: fixture.record(created))
        #expect(again == created)
        let after = try await fixture.counts()
        #expect(after["cloudformation.DescribeStacks", default: 0] == before["cloudformation.DescribeStacks", default: 0] + 1)
        for write in ["CreateStack", "UpdateStack", "DeleteStack"] {
            #expect(after["cloudformation.\(write)"] == before["cloudformation.\(write)"], "\(write)")
        }
    }

    @Test func changedParameterUpdatesTheStackAndItsOutputs() async throws {
        try await LocalAWS.requireRunning()
        let fixture = CloudFormationStackFixture()
        let created = try await fixture.apply()
        let changed = fixture.properties(artifact: "s3://artifacts/pr-7-second-push/")
        let updated = try await fixture.apply(.update(changed: ["parameters"]), properties: changed, previous: fixture.record(created))
        #expect(updated.outputs["SiteURL"]?.hasSuffix("/s3://artifacts/pr-7-second-push/") == true)
        #expect(updated.outputs["stack_id"] == created.outputs["stack_id"])
        // Whether a poll lands inside UPDATE_IN_PROGRESS depends on machine load; the final status is always reported.
        #expect(fixture.progress.contains("UPDATE_COMPLETE"))
        #expect(try await fixture.stack(fixture.name)?.stackStatus == "UPDATE_COMPLETE")
        #expect(try await fixture.counts()["cloudformation.UpdateStack"] == 1)
    }

    /// An update interrupted after AWS finished it: UpdateStack answers "No updates are to be
    /// performed", which is success, and nothing is waited for (no DescribeStacks after it).
    @Test func updateWithNothingToChangeSucceedsWithoutWaiting() async throws {
        try await LocalAWS.requireRunning()
        let fixture = CloudFormationStackFixture()
        let created = try await fixture.apply()
        let before = try await fixture.counts()
        let result = try await fixture.apply(.update(changed: ["capabilities"]), previous: fixture.record(created, status: .updating))
        #expect(result == created)
        #expect(fixture.progress.contains("already up to date"))
        let after = try await fixture.counts()
        #expect(after["cloudformation.UpdateStack"] == 1)
        #expect(after["cloudformation.DescribeStacks", default: 0] == before["cloudformation.DescribeStacks", default: 0] + 1)
    }

    @Test func throttledCreateIsRetriedAndConverges() async throws {
        try await LocalAWS.requireRunning()
        let fixture = CloudFormationStackFixture()
        try await LocalAWS.addFault(["kind": "throttle", "service": "cloudformation", "access_key": fixture.accessKey, "count": 2])
        try await LocalAWS.addFault(["kind": "throttle", "service": "cloudformation", "operation": "CreateStack", "access_key": fixture.accessKey, "count": 2])
        let result = try await fixture.apply()
        #expect(result.outputs["SiteURL"] != nil)
        let faults = try await LocalAWS.admin("GET", "/_prenv/faults")["faults"] as? [[String: Any]] ?? []
        let ours = faults.filter { $0["access_key"] as? String == fixture.accessKey }
        #expect(ours.map { $0["fired"] as? Int } == [2, 2])
        #expect(try await fixture.stack(fixture.name)?.stackStatus == "CREATE_COMPLETE")
    }
}
