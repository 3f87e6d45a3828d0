import AWSCore
import Foundation

/// AWS CodePipeline (JSON 1.1): only the operations prenv needs. Member names follow the AWS model.
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

    public func getPipeline(name: String) async throws(AWSError) -> GetPipelineOutput {
        try await client.json(.codePipeline, "GetPipeline", ["name": name])
    }

    struct CreatePipelineInput: Encodable {
        var pipeline: PipelineDeclaration
        var tags: [Tag]?
    }

    struct PipelineOutput: Decodable { var pipeline: PipelineDeclaration }

    public func createPipeline(_ pipeline: PipelineDeclaration, tags: [Tag]) async throws(AWSError) -> PipelineDeclaration {
        try await client.json(.codePipeline, "CreatePipeline", CreatePipelineInput(pipeline: pipeline, tags: tags.isEmpty ? nil : tags), as: PipelineOutput.self).pipeline
    }

    public func updatePipeline(_ pipeline: PipelineDeclaration) async throws(AWSError) -> PipelineDeclaration {
        try await client.json(.codePipeline, "UpdatePipeline", ["pipeline": JSONValue.object(pipeline)], as: PipelineOutput.self).pipeline
    }

    public func deletePipeline(name: String) async throws(AWSError) {
        _ = try await client.json(.codePipeline, "DeletePipeline", ["name": name], as: AWSEmpty.self)
    }

    struct TagResourceInput: Encodable {
        var resourceArn: String
        var tags: [Tag]
    }

    public func tagResource(resourceArn: String, tags: [Tag]) async throws(AWSError) {
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
    public func listTagsForResource(resourceArn: String) async throws(AWSError) -> [Tag] {
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
