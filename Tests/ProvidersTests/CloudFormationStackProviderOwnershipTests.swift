import AWSCore
import Foundation
import AWSServices
import LocalAWSSupport
import Orchestrator
import Providers
import Testing

/// Stacks that exist before an apply: ours are adopted (after a crash), others are never touched.
@Suite struct CloudFormationStackProviderOwnershipTests {
    func createDirectly(_ fixture: CloudFormationStackFixture, tags: [String: String]) async throws -> String {
        try await fixture.cloudFormation.createStack(.init(
            stackName: fixture.name, templateBody: CloudFormationStackFixture.template,
            parameters: [.init(parameterKey: "ArtifactUri", parameterValue: "s3://artifacts/pr-7/")],
            tags: tags.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: $0.value) }))
    }

    /// A crash right after CreateStack: the record says `creating` and has no outputs; the stack is
    /// still `CREATE_IN_PROGRESS`. The provider waits for it and adopts it instead of creating another.
    @Test func stackOfOursLeftByACrashIsAdoptedNotCreatedAgain() async throws {
        try await LocalAWS.requireRunning()
        let fixture = CloudFormationStackFixture()
        let stackID = try await createDirectly(fixture, tags: fixture.context.tags)
        let previous = NodeRecord(id: "site", type: .cloudFormationStack, status: .creating, properties: fixture.properties(), updatedAt: .now)
        let result = try await fixture.apply(.create, previous: previous)
        #expect(result.outputs["stack_id"] == stackID)
        #expect(result.outputs["SiteURL"]?.hasSuffix("/s3://artifacts/pr-7/") == true)
        #expect(fixture.progress.contains("is CREATE_IN_PROGRESS; waiting"))
        let counts = try await fixture.counts()
        #expect(counts["cloudformation.CreateStack"] == 1)  // the one made before the "crash"
        #expect(counts["cloudformation.UpdateStack"] == 1)  // answered "No updates are to be performed"
    }

    @Test func stackWithoutOurTagsIsRefusedOnApplyAndOnDestroy() async throws {
        try await LocalAWS.requireRunning()
        let fixture = CloudFormationStackFixture()
        let stackID = try await createDirectly(fixture, tags: ["team": "payments"])
        let applyError = await #expect(throws: ProviderError.self) { try await fixture.apply() }
        #expect(applyError == .foreignResource(kind: "stack", name: fixture.name, detail: "no prenv:managed-by tag"))
        let record = NodeRecord(id: "site", type: .cloudFormationStack, status: .created, properties: fixture.properties(),
                                outputs: ["stack_id": stackID], physicalName: fixture.name, updatedAt: .now)
        let destroyError = await #expect(throws: ProviderError.self) { try await fixture.destroy(record) }
        #expect(destroyError?.description.contains("prenv will not modify or delete it") == true)
        let counts = try await fixture.counts()
        #expect(counts["cloudformation.UpdateStack"] == nil)
        #expect(counts["cloudformation.DeleteStack"] == nil)
    }

    @Test func stackOfAnotherEnvironmentIsRefused() async throws {
        try await LocalAWS.requireRunning()
        let fixture = CloudFormationStackFixture()
        var tags = fixture.context.tags
        tags["prenv:env"] = "some-other-env"
        _ = try await createDirectly(fixture, tags: tags)
        let error = await #expect(throws: ProviderError.self) { try await fixture.apply() }
        #expect(error?.description.contains("tagged for environment some-other-env") == true)
    }
}
