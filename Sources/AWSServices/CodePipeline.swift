import AWSCore
import Foundation

/// AWS CodePipeline (JSON 1.1): only the operations prenv needs. Member names follow the AWS model.
/// Every call throws what `AWSClient.send` throws: `AWSError`, or `CancellationError` when cancelled.
///
/// Pipeline declarations travel as `JSONValue` objects so a cloned template keeps every member.
public struct CodePipeline: Sendable {
    public let client: AWSClient
    public init(client: AWSClient) { self.client = client }

    public typealias PipelineDeclaration = [String: JSONValue]

    public struct Tag: Codable, Sendable, Hashable {
        public var key: String
        public var value: String
        public init(key: String, value: String) { self.key = key; self.value = value }
    }

    public struct PipelineMetadata: Codable, Sendable, Equatable {
        public var pipelineArn: String?
        public var created: Date?
        public var updated: Date?
    }

    public struct GetPipelineOutput: Decodable, Sendable {
        public var pipeline: PipelineDeclaration
        public var metadata: PipelineMetadata?
    }

    public func getPipeline(name: String) async throws -> GetPipelineOutput {
        try await client.json(.codePipeline, "GetPipeline", ["name": name])
    }

    struct CreatePipelineInput: Encodable {
        var pipeline: PipelineDeclaration
        var tags: [Tag]?
    }

    struct PipelineOutput: Decodable { var pipeline: PipelineDeclaration }

    public func createPipeline(_ pipeline: PipelineDeclaration, tags: [Tag]) async throws -> PipelineDeclaration {
        try await client.json(.codePipeline, "CreatePipeline", CreatePipelineInput(pipeline: pipeline, tags: tags.isEmpty ? nil : tags), as: PipelineOutput.self).pipeline
    }

    public func updatePipeline(_ pipeline: PipelineDeclaration) async throws -> PipelineDeclaration {
        try await client.json(.codePipeline, "UpdatePipeline", ["pipeline": JSONValue.object(pipeline)], as: PipelineOutput.self).pipeline
    }

    public func deletePipeline(name: String) async throws {
        _ = try await client.json(.codePipeline, "DeletePipeline", ["name": name], as: AWSEmpty.self)
    }

    struct TagResourceInput: Encodable {
        var resourceArn: String
        var tags: [Tag]
    }

    public func tagResource(resourceArn: String, tags: [Tag]) async throws {
        _ = try await client.json(.codePipeline, "TagResource", TagResourceInput(resourceArn: resourceArn, tags: tags), as: AWSEmpty.self)
    }

    struct ListTagsInput: Encodable {
        var resourceArn: String
        var nextToken: String?
    }

    struct ListTagsOutput: Decodable {
        var tags: [Tag]?
        var nextToken: String?
    }

    /// ListTagsForResource, following every page.
    public func listTagsForResource(resourceArn: String) async throws -> [Tag] {
        var tags: [Tag] = []
        var token: String?
        repeat {
            let page = try await client.json(.codePipeline, "ListTagsForResource", ListTagsInput(resourceArn: resourceArn, nextToken: token), as: ListTagsOutput.self)
            tags += page.tags ?? []
            token = page.nextToken
        } while token != nil
        return tags
    }
}

extension CodePipeline {
    /// A V2 pipeline can be started at an exact commit (`revisionType` COMMIT_ID).
    public struct SourceRevisionOverride: Codable, Sendable, Hashable {
        public var actionName: String
        public var revisionType: String
        public var revisionValue: String
        public init(actionName: String, revisionType: String = "COMMIT_ID", revisionValue: String) {
            self.actionName = actionName
            self.revisionType = revisionType
            self.revisionValue = revisionValue
        }
    }

    struct StartInput: Encodable {
        var name: String
        var clientRequestToken: String?
        var sourceRevisions: [SourceRevisionOverride]?
    }

    struct StartOutput: Decodable { var pipelineExecutionId: String }

    /// StartPipelineExecution; `clientRequestToken` makes a retried start idempotent.
    public func startPipelineExecution(
        name: String, clientRequestToken: String? = nil, sourceRevisions: [SourceRevisionOverride]? = nil
    ) async throws -> String {
        let input = StartInput(name: name, clientRequestToken: clientRequestToken, sourceRevisions: sourceRevisions)
        return try await client.json(.codePipeline, "StartPipelineExecution", input, as: StartOutput.self).pipelineExecutionId
    }

    public struct StageExecution: Codable, Sendable, Equatable {
        public var pipelineExecutionId: String?
        /// Cancelled | InProgress | Failed | Stopped | Stopping | Succeeded
        public var status: String?
    }

    public struct ActionExecution: Codable, Sendable, Equatable {
        public var status: String?
        public var summary: String?
        public var lastStatusChange: Date?
        public var errorDetails: ErrorDetails?
    }

    public struct ErrorDetails: Codable, Sendable, Equatable {
        public var code: String?
        public var message: String?
    }

    public struct ActionState: Codable, Sendable, Equatable {
        public var actionName: String?
        public var latestExecution: ActionExecution?
    }

    public struct StageState: Codable, Sendable, Equatable {
        public var stageName: String?
        public var latestExecution: StageExecution?
        public var actionStates: [ActionState]?
    }

    public struct GetPipelineStateOutput: Codable, Sendable, Equatable {
        public var pipelineName: String?
        public var pipelineVersion: Int?
        public var stageStates: [StageState]?
        public var created: Date?
        public var updated: Date?
    }

    public func getPipelineState(name: String) async throws -> GetPipelineStateOutput {
        try await client.json(.codePipeline, "GetPipelineState", ["name": name])
    }

    public struct PipelineExecution: Codable, Sendable, Equatable {
        public var pipelineName: String?
        public var pipelineVersion: Int?
        public var pipelineExecutionId: String?
        public var status: String?
        public var statusSummary: String?
    }

    struct GetExecutionOutput: Decodable { var pipelineExecution: PipelineExecution }

    public func getPipelineExecution(pipelineName: String, pipelineExecutionId: String) async throws -> PipelineExecution {
        try await client.json(
            .codePipeline, "GetPipelineExecution",
            ["pipelineName": pipelineName, "pipelineExecutionId": pipelineExecutionId], as: GetExecutionOutput.self
        ).pipelineExecution
    }

    struct StopInput: Encodable {
        var pipelineName: String
        var pipelineExecutionId: String
        var abandon: Bool
        var reason: String?
    }

    /// StopPipelineExecution; `abandon` stops without waiting for in-progress actions.
    public func stopPipelineExecution(
        pipelineName: String, pipelineExecutionId: String, abandon: Bool = false, reason: String? = nil
    ) async throws -> String {
        let input = StopInput(pipelineName: pipelineName, pipelineExecutionId: pipelineExecutionId, abandon: abandon, reason: reason)
        return try await client.json(.codePipeline, "StopPipelineExecution", input, as: StartOutput.self).pipelineExecutionId
    }
}
