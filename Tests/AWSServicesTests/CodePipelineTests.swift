import AWSCore
import LocalAWSSupport
import Testing

@testable import AWSServices

/// Every CodePipeline operation prenv uses; executions come from the local layer (moto lacks them).
@Suite struct CodePipelineTests {
    let client = LocalAWS.client()
    var pipelines: CodePipeline { CodePipeline(client: client) }

    /// `extraStages` deploy stages after the usual three keep an execution running long enough to stop it.
    func createPipeline(extraStages: Int = 0) async throws -> (name: String, arn: String) {
        try await LocalAWS.requireRunning()
        let role = try await LocalAWS.serviceRoleARN(client: client)
        let name = LocalAWS.uniqueName("prenv-pipe")
        var document = LocalAWS.pipelineDocument(name: name, roleArn: role, bucket: "prenv-artifacts", project: "acme-build")
        if extraStages > 0, var stages = document["stages"]?.arrayValue, case .object(var deploy)? = stages.last {
            for index in 1...extraStages {
                deploy["name"] = .string("Deploy\(index)")
                stages.append(.object(deploy))
            }
            document["stages"] = .array(stages)
        }
        let created = try await pipelines.createPipeline(document, tags: [.init(key: "managed-by", value: "prenv")])
        #expect(created["name"]?.stringValue == name)
        let metadata = try #require(try await pipelines.getPipeline(name: name).metadata)
        return (name, try #require(metadata.pipelineArn))
    }

    @Test func getPipelineReturnsTheWholeDeclaration() async throws {
        let (name, arn) = try await createPipeline()
        let fetched = try await pipelines.getPipeline(name: name)
        #expect(arn.hasSuffix(":\(name)"))
        let stages = try #require(fetched.pipeline["stages"]?.arrayValue)
        #expect(stages.compactMap { $0["name"]?.stringValue } == ["Source", "Build", "Deploy"])
        let source = stages.first?["actions"]?.arrayValue?.first?["configuration"]
        #expect(source?["BranchName"]?.stringValue == "main")
    }

    @Test func updatePipelineRewritesTheBranch() async throws {
        let (name, _) = try await createPipeline()
        var declaration = try await pipelines.getPipeline(name: name).pipeline
        declaration = LocalAWS.pipelineDocument(
            name: name, roleArn: declaration["roleArn"]?.stringValue ?? "", bucket: "prenv-artifacts", project: "acme-build", branch: "feature/x")
        let updated = try await pipelines.updatePipeline(declaration)
        #expect(updated["stages"]?.arrayValue?.first?["actions"]?.arrayValue?.first?["configuration"]?["BranchName"]?.stringValue == "feature/x")
        #expect(updated["version"]?.numberValue == 2)
    }

    @Test func tagsCanBeAddedAndListed() async throws {
        let (_, arn) = try await createPipeline()
        try await pipelines.tagResource(resourceArn: arn, tags: [.init(key: "prenv:pr", value: "5")])
        let tags = try await pipelines.listTagsForResource(resourceArn: arn)
        #expect(Set(tags) == [.init(key: "managed-by", value: "prenv"), .init(key: "prenv:pr", value: "5")])
    }

    @Test func executionWalksThroughTheStagesAndSucceeds() async throws {
        let (name, _) = try await createPipeline()
        let id = try await pipelines.startPipelineExecution(
            name: name, clientRequestToken: LocalAWS.uniqueName("token"),
            sourceRevisions: [.init(actionName: "Source", revisionValue: "0123abcd")])
        var seen: [String: Set<String>] = [:]
        var status = "InProgress"
        var polls = 0
        repeat {
            // Read the execution first, then the stages: the last poll then sees the final stage states.
            status = try await pipelines.getPipelineExecution(pipelineName: name, pipelineExecutionId: id).status ?? "?"
            let state = try await pipelines.getPipelineState(name: name)
            for stage in state.stageStates ?? [] where stage.latestExecution?.pipelineExecutionId == id {
                seen[stage.stageName ?? "?", default: []].insert(stage.latestExecution?.status ?? "?")
            }
            polls += 1
            if status == "InProgress" { try await Task.sleep(for: .milliseconds(50)) }
        } while status == "InProgress" && polls < 400
        #expect(status == "Succeeded")
        #expect(Set(seen.keys) == ["Source", "Build", "Deploy"])
        #expect(seen["Deploy"]?.contains("Succeeded") == true)
    }

    @Test func stopPipelineExecutionStopsIt() async throws {
        let (name, _) = try await createPipeline(extraStages: 30)
        let id = try await pipelines.startPipelineExecution(name: name)
        let stopped = try await pipelines.stopPipelineExecution(pipelineName: name, pipelineExecutionId: id, abandon: true, reason: "superseded by a newer commit")
        #expect(stopped == id)
        var status = ""
        for _ in 0..<100 {
            status = try await pipelines.getPipelineExecution(pipelineName: name, pipelineExecutionId: id).status ?? ""
            if status != "Stopping" && status != "InProgress" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(status == "Stopped")
    }

    @Test func missingPipelineIsPipelineNotFound() async throws {
        try await LocalAWS.requireRunning()
        let error = await #expect(throws: AWSError.self) { try await pipelines.getPipeline(name: LocalAWS.uniqueName("prenv-none")) }
        #expect(error?.code == "PipelineNotFoundException")
        #expect(error?.isNotFound == true)
    }

    @Test func deleteRemovesThePipeline() async throws {
        let (name, _) = try await createPipeline()
        try await pipelines.deletePipeline(name: name)
        let error = await #expect(throws: AWSError.self) { try await pipelines.getPipeline(name: name) }
        #expect(error?.code == "PipelineNotFoundException")
    }
}
