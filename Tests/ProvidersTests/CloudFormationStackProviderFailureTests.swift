import AWSCore
import Foundation
import LocalAWSSupport
import Orchestrator
import Providers
import Testing

/// Failed operations report CloudFormation's reason for the failing resource; a failed first create is
/// replaced on the next apply; cancellation ends a wait at once.
@Suite struct CloudFormationStackProviderFailureTests {
    static func failNext(_ on: String, stack: String, reason: String) async throws {
        try await LocalAWS.admin("POST", "/_prenv/cloudformation/fail-stack", ["stack_name": stack, "reason": reason, "on": on])
    }

    @Test func failedCreateReportsTheFailingResourcesReason() async throws {
        try await LocalAWS.requireRunning()
        let fixture = CloudFormationStackFixture()
        try await Self.failNext("create", stack: fixture.name, reason: "site-bucket already exists in another account")
        let error = await #expect(throws: ProviderError.self) { try await fixture.apply() }
        guard case .failed(let kind, let name, let reason)? = error else { Issue.record("unexpected \(String(describing: error))"); return }
        #expect(kind == "stack")
        #expect(name == fixture.name)
        #expect(reason == "Site (AWS::S3::Bucket) CREATE_FAILED: site-bucket already exists in another account; stack status ROLLBACK_COMPLETE")
        #expect(fixture.progress.contains("ROLLBACK_IN_PROGRESS"))
    }

    @Test func failedUpdateReportsTheReasonAndTheRollback() async throws {
        try await LocalAWS.requireRunning()
        let fixture = CloudFormationStackFixture()
        let created = try await fixture.apply()
        try await Self.failNext("update", stack: fixture.name, reason: "Website configuration is invalid")
        let error = await #expect(throws: ProviderError.self) {
            try await fixture.apply(.update(changed: ["parameters"]), properties: fixture.properties(artifact: "s3://b/new/"), previous: fixture.record(created))
        }
        #expect(error?.description == "stack \(fixture.name) failed: Site (AWS::S3::Bucket) UPDATE_FAILED: Website configuration is invalid; stack status UPDATE_ROLLBACK_COMPLETE")
    }

    @Test func stackLeftRollbackCompleteByAFailedCreateIsDeletedAndCreatedAgain() async throws {
        try await LocalAWS.requireRunning()
        let fixture = CloudFormationStackFixture()
        try await Self.failNext("create", stack: fixture.name, reason: "transient failure")
        await #expect(throws: ProviderError.self) { try await fixture.apply() }
        let failed = try #require(try await fixture.stack(fixture.name))
        #expect(failed.stackStatus == "ROLLBACK_COMPLETE")

        let previous = NodeRecord(id: "site", type: .cloudFormationStack, status: .failed, properties: fixture.properties(),
                                  physicalName: fixture.name, lastError: "failed", updatedAt: .now)
        let result = try await fixture.apply(.create, previous: previous)
        #expect(result.outputs["SiteURL"] != nil)
        #expect(result.outputs["stack_id"] != failed.stackId)
        #expect(fixture.progress.contains("is ROLLBACK_COMPLETE after a failed create"))
        #expect(try await fixture.stack(failed.stackId)?.stackStatus == "DELETE_COMPLETE")
        let counts = try await fixture.counts()
        #expect(counts["cloudformation.CreateStack"] == 2)
        #expect(counts["cloudformation.DeleteStack"] == 1)
        #expect(counts["cloudformation.UpdateStack"] == nil)
    }

    /// The wait sleeps ten minutes between polls: only cancellation can end this test quickly.
    @Test func cancellationWhileWaitingIsRethrownAtOnce() async throws {
        try await LocalAWS.requireRunning()
        let fixture = CloudFormationStackFixture(waiter: Waiter(initialInterval: .seconds(600), maxInterval: .seconds(600)))
        let (seen, seenContinuation) = AsyncStream<Void>.makeStream()
        let provider = fixture.provider
        let request = ApplyRequest(nodeID: "site", action: .create, properties: fixture.properties(), previous: nil, context: fixture.context,
                                   progress: { if $0.contains("CREATE_IN_PROGRESS") { seenContinuation.yield() } })
        let task = Task {
            defer { seenContinuation.finish() }
            return try await provider.apply(request)
        }
        for await _ in seen { break }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }
}
