import AWSServices
import Blueprint
import Foundation
import LocalAWSSupport
import Orchestrator
import Providers
import Testing

/// A create cut off mid-call is still carried out by AWS once its request is there. When the PR
/// closes at that moment, the teardown's first look can come before the create lands: without a
/// second look the record is removed and the resource is left behind (seen in the crash test on a
/// loaded CI machine). Here the race is made certain, not likely: the local endpoint holds
/// CreateProject until the test releases it, the apply is cancelled inside it, and the test lets
/// the create land only after the destroy's first look found nothing.
///
/// It used to hold the call for a fixed 8 s instead, and failed on a loaded CI machine when the
/// destroy itself took longer than that: its first look then saw (and deleted) the landed project.
@Suite("A create that lands after its teardown looked")
struct LateCreateTests {
    /// Far longer than a released call takes to reach moto, so the second look comes after it.
    static let recheck: Duration = .seconds(15)
    let accessKey = LocalAWS.uniqueAccessKey()

    @Test("Without a second look the project is left behind; with one it is deleted")
    func secondLookDeletesALateCreate() async throws {
        try await LocalAWS.requireRunning()
        let role = try await LocalAWS.serviceRoleARN(client: LocalAWS.client())
        let codeBuild = CodeBuild(client: LocalAWS.client())

        // Without a second look: the create lands once the destroy has finished.
        let unchecked = LocalAWS.uniqueName("prenv-late")
        let first = try await cutOffCreate(project: unchecked, role: role, recheck: .zero)
        let destroyedFirst = await first.executor.destroy(recorded: first.record)
        #expect(destroyedFirst.succeeded, "\(destroyedFirst.summary)")
        try await LocalAWS.releaseHold(first.hold)
        try await LocalAWS.waitUntilLanded(first.hold)
        let leftFirst = try await codeBuild.batchGetProjects(names: [unchecked]).projects ?? []
        #expect(!leftFirst.isEmpty, "the held CreateProject landed but made no project, so this test proves nothing")
        try? await codeBuild.deleteProject(name: unchecked)

        // With one: the create lands after the first look found nothing and before the second.
        let checked = LocalAWS.uniqueName("prenv-late")
        let second = try await cutOffCreate(project: checked, role: role, recheck: Self.recheck)
        let (messages, said) = AsyncStream.makeStream(of: String.self)
        let start = ContinuousClock.now
        let destroy = Task {
            defer { said.finish() }
            return await second.executor.destroy(recorded: second.record) { event in
                if case .progress(_, let message) = event { said.yield(message) }
            }
        }
        var saidBeforeRelease: [String] = []
        for await message in messages {
            saidBeforeRelease.append(message)
            if message.contains("looking again") { break }
        }
        #expect(saidBeforeRelease.contains { $0.contains("is gone") }, "the first look did not find the project gone: \(saidBeforeRelease)")
        try await LocalAWS.releaseHold(second.hold)
        try await LocalAWS.waitUntilLanded(second.hold)
        let landedAfter = start.duration(to: .now)
        let destroyedSecond = await destroy.value
        let took = start.duration(to: .now)
        #expect(destroyedSecond.succeeded, "\(destroyedSecond.summary)")
        #expect(took >= Self.recheck, "the destroy did not wait for its second look")
        #expect(landedAfter < Self.recheck, "the create landed \(landedAfter) into the destroy, after its second look was due")
        let left = try await codeBuild.batchGetProjects(names: [checked]).projects ?? []
        #expect(left.count == 0, "left behind: \(checked)")
    }

    /// Applies a one-project blueprint and cancels it inside its CreateProject, which the endpoint
    /// holds until `hold` is released; returns the executor (destroying with `recheck`), the record
    /// left by the cut-off apply, and the hold.
    func cutOffCreate(project: String, role: String, recheck: Duration) async throws -> (executor: Executor, record: EnvironmentRecord, hold: String) {
        let yaml = """
            name: late
            on: { repositories: ["acme/*"] }
            resources:
              build:
                type: aws/codebuild-project
                properties:
                  name: \(project)
                  source: { type: GITHUB, location: "https://github.com/acme/webapp.git" }
                  environment: { image: "aws/codebuild/standard:7.0", compute_type: BUILD_GENERAL1_SMALL }
                  service_role: \(role)
            """
        let blueprint = try BlueprintLoader.parse(yaml: yaml, file: "late.yaml", kinds: ProviderKind.all.resourceKinds)
        let context = PRContext(owner: "acme", repository: "webapp", number: 9, headSHA: String(repeating: "b", count: 40),
                                headRef: "feature/late", baseRef: "main", author: "octocat")
        let key = EnvironmentKey(repository: "acme/webapp", pr: 9, blueprint: "late")
        let client = LocalAWS.client(credentials: LocalAWS.credentials(accessKey: accessKey))
        let executor = Executor(providers: [CodeBuildProjectProvider(client: client)], store: InMemoryStateStore(), lateCreateRecheck: recheck)
        let hold = try await LocalAWS.addFault([
            "kind": "hold", "count": 1, "service": "codebuild", "operation": "CreateProject", "access_key": accessKey,
        ])
        let plan = Planner.plan(blueprint: blueprint, context: context, recorded: nil)
        let apply = Task { await executor.apply(plan: plan, blueprint: blueprint, context: context, key: key) }
        do {
            try await LocalAWS.waitUntilFired(hold, within: .seconds(60))
        } catch {
            apply.cancel()
            _ = await apply.value
            try? await LocalAWS.releaseHold(hold)
            throw error
        }
        apply.cancel()
        let applied = await apply.value
        let record = try #require(applied.record)
        #expect(record.nodes["build"]?.status == .creating, "\(applied.summary)")
        return (executor, record, hold)
    }
}
