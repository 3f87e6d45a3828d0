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
/// loaded CI machine). Here the race is made certain: the local endpoint holds CreateProject for
/// `latency` before carrying it out, the apply is cancelled inside it, and the destroy runs at once.
/// The latency is long enough that a loaded machine still cancels before the held call lands.
@Suite("A create that lands after its teardown looked")
struct LateCreateTests {
    static let latency: Duration = .seconds(8)
    let accessKey = LocalAWS.uniqueAccessKey()

    @Test("Without a second look the project is left behind; with one it is deleted")
    func secondLookDeletesALateCreate() async throws {
        try await LocalAWS.requireRunning()
        let role = try await LocalAWS.serviceRoleARN(client: LocalAWS.client())
        let codeBuild = CodeBuild(client: LocalAWS.client())

        let unchecked = LocalAWS.uniqueName("prenv-late")
        try await cutOffCreateThenDestroy(project: unchecked, role: role, recheck: .zero)
        let appeared = try await eventually(within: Self.latency + .seconds(60)) {
            try await !(codeBuild.batchGetProjects(names: [unchecked]).projects ?? []).isEmpty
        }
        #expect(appeared, "the held CreateProject never landed, so this test proves nothing")
        try? await codeBuild.deleteProject(name: unchecked)

        let checked = LocalAWS.uniqueName("prenv-late")
        let destroyTook = try await cutOffCreateThenDestroy(project: checked, role: role, recheck: Self.latency * 3)
        #expect(destroyTook >= Self.latency * 3, "the destroy did not wait for its second look")
        try await Task.sleep(for: .seconds(1))  // well past the held call's landing, checked once more
        let left = try await codeBuild.batchGetProjects(names: [checked]).projects ?? []
        #expect(left.isEmpty, "left behind: \(checked)")
    }

    /// Applies a one-project blueprint, cancels it inside the held CreateProject, destroys the
    /// record at once with `recheck`; returns how long the destroy took.
    @discardableResult
    func cutOffCreateThenDestroy(project: String, role: String, recheck: Duration) async throws -> Duration {
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
        let fault = try await LocalAWS.addFault([
            "kind": "latency", "latency_ms": Int(Self.latency.components.seconds * 1000), "count": 1,
            "service": "codebuild", "operation": "CreateProject", "access_key": accessKey,
        ])
        let plan = Planner.plan(blueprint: blueprint, context: context, recorded: nil)
        let apply = Task { await executor.apply(plan: plan, blueprint: blueprint, context: context, key: key) }
        do {
            try await LocalAWS.waitUntilFired(fault, within: .seconds(60))
        } catch {
            apply.cancel()
            _ = await apply.value
            throw error
        }
        apply.cancel()
        let applied = await apply.value
        let record = try #require(applied.record)
        #expect(record.nodes["build"]?.status == .creating, "\(applied.summary)")

        let start = ContinuousClock.now
        let destroyed = await executor.destroy(recorded: record)
        let took = start.duration(to: .now)
        #expect(destroyed.succeeded, "\(destroyed.summary)")
        return took
    }

    /// Polls `condition` every 200 ms until it holds (true) or `within` has passed (false).
    func eventually(within: Duration, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return try await condition()
    }
}
