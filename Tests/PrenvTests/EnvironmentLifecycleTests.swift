import AWSCore
import AWSServices
import Foundation
import LocalAWSSupport
import Testing

/// The whole life of one PR's environment through the real binary: `up`, a new head SHA, `down`,
/// against the local AWS endpoint, with SQLite state. Counts what is left afterwards by name and tag.
@Suite struct EnvironmentLifecycleTests {
    let templates = LocalTemplates("lc")
    let accessKey = LocalAWS.uniqueAccessKey()
    /// A PR number of its own, so the environment name (and its tags) is this test's alone.
    let number = Int.random(in: 1000...999_999)
    var client: AWSClient { templates.client }
    var suffix: String { templates.suffix }

    func prenv(_ arguments: [String], state: URL) async throws -> PrenvBinary.Result {
        try await PrenvBinary.run(arguments + ["--state", "sqlite:\(state.path)"], environment: PrenvBinary.isolatedEnvironment([
            "AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": "lifecycle-secret", "AWS_REGION": LocalAWS.region,
            "AWS_ENDPOINT_URL": LocalAWS.endpoint.absoluteString,
        ]))
    }

    @Test func upNewCommitDownLeavesNothingBehind() async throws {
        try await LocalAWS.requireRunning()
        try await templates.seed()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-lifecycle-\(suffix)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let blueprint = try templates.writeBlueprint(in: directory)
        let state = directory.appendingPathComponent("state/state.sqlite")
        let pr = ["--repo", "acme/webapp", "--pr", String(number)]
        let up = ["up", "--blueprint", blueprint.path] + pr + ["--head-ref", "feature/login", "--poll-interval", "0.05"]

        let first = try await prenv(up + ["--sha", "1111111111111111111111111111111111111111"], state: state)
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("environment acme/webapp#\(number)/webapp is up"), "\(first.output)")
        for node in ["artifacts", "build", "pipeline", "site"] { #expect(first.output.contains("  \(node)"), "\(node) missing") }
        // The instance is announced (made at random and kept in the new state) and tagged on what `up` made.
        let announced = try #require(first.output.split(separator: "\n").first { $0.hasPrefix("prenv instance: ") })
        let instance = String(announced.dropFirst("prenv instance: ".count).prefix { $0 != " " })
        #expect(announced.contains("(new, kept in sqlite:\(state.path); set PRENV_INSTANCE=\(instance) "), "\(announced)")
        let instanceFilter = ResourceGroupsTagging.TagFilter(key: "prenv:instance", values: [instance])
        let tagged = try await ResourceGroupsTagging(client: client).getResources(tagFilters: [instanceFilter])
        #expect(tagged.count == 3, "pipeline, project and stack carry prenv:instance=\(instance): \(tagged)")
        #expect(Set(tagged.compactMap { $0.tags["prenv:node"] }) == ["build", "pipeline", "site"])

        let listed = try await prenv(["ls"], state: state)
        #expect(listed.output.contains("acme/webapp#\(number)/webapp"), "\(listed.output)")
        #expect(listed.output.components(separatedBy: "  created").count - 1 == 4, "\(listed.output)")

        let names = Self.physicalNames(listed.output)
        let envName = try #require(names["pipeline"], "ls names the pipeline after the environment")
        let before = try await TaggedResources.find(envName: envName, client: client)
        #expect(before.projects.count == 1 && before.pipelines.count == 1 && before.stacks.count == 1, "\(before)")

        let again = try await prenv(up + ["--sha", "2222222222222222222222222222222222222222"], state: state)
        #expect(again.status == 0, "\(again.output)")
        #expect(again.output.contains("stage Build"), "the pipeline ran for the new commit:\n\(again.output)")
        #expect(!again.output.contains("stage Deploy"), "the template's Deploy stage is dropped:\n\(again.output)")

        let down = try await prenv(["down"] + pr, state: state)
        #expect(down.status == 0, "\(down.output)")
        #expect(down.output.contains("prenv instance: \(instance) (kept in sqlite:\(state.path);"), "down acts as the same instance:\n\(down.output)")
        #expect(try await prenv(["ls"], state: state).output.contains("no environments"))

        // Nothing left: nothing in the account tagged for the environment, no objects under the prefix,
        // and the project, pipeline and stack named in `ls` are gone.
        let after = try await TaggedResources.find(envName: envName, client: client)
        #expect(after.isEmpty, "left behind: \(after)")
        let stillTagged = try await ResourceGroupsTagging(client: client).getResources(tagFilters: [instanceFilter])
        #expect(stillTagged.isEmpty, "left behind: \(stillTagged)")
        #expect(try await S3(client: client).listObjectsV2(bucket: "\(suffix)-previews", prefix: "webapp/pr-\(number)/").isEmpty)
        let project = try #require(names["build"])
        let pipeline = try #require(names["pipeline"])
        let stack = try #require(names["site"])
        #expect(try await CodeBuild(client: client).batchGetProjects(names: [project]).projects?.isEmpty ?? true)
        let pipelineError = await #expect(throws: AWSError.self) { try await CodePipeline(client: client).getPipeline(name: pipeline) }
        #expect(pipelineError?.code == "PipelineNotFoundException")
        let stacks = (try? await CloudFormation(client: client).describeStacks(stackName: stack)) ?? []
        #expect(stacks.allSatisfy { $0.stackStatus == "DELETE_COMPLETE" }, "\(stacks)")
        // The account's own templates are untouched.
        #expect(try await CodeBuild(client: client).batchGetProjects(names: ["\(suffix)-build-template"]).projects?.count == 1)
        _ = try await CodePipeline(client: client).getPipeline(name: "\(suffix)-main")
        let counts = try await LocalAWS.callCounts(accessKey: accessKey)
        print("AWS calls for up + new SHA + down, by service.operation: \(counts.sorted { $0.key < $1.key })")
    }

    /// `node → physical name` from `prenv ls` lines like `  build  aws/codebuild-project  created  NAME`.
    static func physicalNames(_ output: String) -> [String: String] {
        var names: [String: String] = [:]
        for line in output.split(separator: "\n") where line.hasPrefix("  ") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            if fields.count >= 4 { names[fields[0]] = fields[3] }
        }
        return names
    }
}
