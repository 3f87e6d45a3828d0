import AWSCore
import Foundation
import LocalAWSSupport
import Orchestrator
import Providers
import Testing

/// Destroy waits for `DELETE_COMPLETE`, names what blocked a failed delete, and treats gone as done.
@Suite struct CloudFormationStackProviderDeleteTests {
    @Test func destroyWaitsUntilTheStackIsDeleteComplete() async throws {
        try await LocalAWS.requireRunning()
        let fixture = CloudFormationStackFixture()
        let created = try await fixture.apply()
        let stackID = try #require(created.outputs["stack_id"])
        try await fixture.destroy(fixture.record(created))
        #expect(fixture.progress.contains("DELETE_IN_PROGRESS"))
        #expect(try await fixture.stack(stackID)?.stackStatus == "DELETE_COMPLETE")
        await #expect(throws: AWSError.self) { try await fixture.stack(fixture.name) }
        #expect(try await fixture.counts()["cloudformation.DeleteStack"] == 1)
    }

    @Test func failedDeleteNamesTheResourceThatBlockedIt() async throws {
        try await LocalAWS.requireRunning()
        let fixture = CloudFormationStackFixture()
        let created = try await fixture.apply()
        try await LocalAWS.admin("POST", "/_prenv/cloudformation/fail-stack",
                                 ["stack_name": fixture.name, "reason": "The bucket you tried to delete is not empty", "on": "delete"])
        let error = await #expect(throws: ProviderError.self) { try await fixture.destroy(fixture.record(created)) }
        #expect(error == .failed(kind: "stack", name: fixture.name,
                                 reason: "DELETE_FAILED; blocked by Site (AWS::S3::Bucket): The bucket you tried to delete is not empty"))
        // Once the blocker is gone, destroying again (from the same record) deletes it.
        try await fixture.destroy(fixture.record(created))
        #expect(try await fixture.stack(created.outputs["stack_id"] ?? "")?.stackStatus == "DELETE_COMPLETE")
    }

    @Test func destroyingAStackThatIsGoneSucceeds() async throws {
        try await LocalAWS.requireRunning()
        let fixture = CloudFormationStackFixture()
        let neverCreated = NodeRecord(id: "site", type: .cloudFormationStack, status: .creating, properties: fixture.properties(), updatedAt: .now)
        try await fixture.destroy(neverCreated)
        let created = try await fixture.apply()
        try await fixture.destroy(fixture.record(created))
        try await fixture.destroy(fixture.record(created))  // by its (deleted) stack id: DELETE_COMPLETE is gone
        #expect(fixture.progress.contains("already deleted"))
        #expect(try await fixture.counts()["cloudformation.DeleteStack"] == 1)
    }
}
