import AWSCore
import Foundation

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
    ) async throws(AWSError) -> String {
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

    public func getPipelineState(name: String) async throws(AWSError) -> GetPipelineStateOutput {
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

    public func getPipelineExecution(pipelineName: String, pipelineExecutionId: String) async throws(AWSError) -> PipelineExecution {
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
    ) async throws(AWSError) -> String {
        let input = StopInput(pipelineName: pipelineName, pipelineExecutionId: pipelineExecutionId, abandon: abandon, reason: reason)
        return try await client.json(.codePipeline, "StopPipelineExecution", input, as: StartOutput.self).pipelineExecutionId
    }
}
