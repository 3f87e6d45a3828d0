import AWSCore
import AWSServices
import Blueprint
import Foundation
import Orchestrator

/// Finds the pipelines an instance tagged (Tagging API, `codepipeline:pipeline`), each with its
/// creation time from GetPipeline: one GetResources page per 100 pipelines plus one GetPipeline each.
/// The template pipelines carry no prenv tags, so they are never found. A GetPipeline that fails
/// other than with not-found skips that pipeline (`SkippedEntry`).
public struct CodePipelineDiscovery: ResourceDiscovery {
    public var type: ResourceType { .codePipeline }
    let tagged: InstanceTagged
    let pipelines: CodePipeline

    public init(client: AWSClient, pageSize: Int? = nil) {
        tagged = InstanceTagged(client: client, pageSize: pageSize)
        pipelines = CodePipeline(client: client)
    }

    public func discover(_ query: DiscoveryQuery) async throws -> DiscoveryResult {
        var result = DiscoveryResult()
        for mapping in try await tagged.find("codepipeline:pipeline", instance: query.instance) {
            guard let name = InstanceTagged.resourceName(of: mapping.resourceARN) else { continue }
            let pipeline: CodePipeline.GetPipelineOutput
            do {
                pipeline = try await pipelines.getPipeline(name: name)
            } catch let error as AWSError where error.isNotFound {
                continue  // deleted since the listing: nothing left behind
            } catch let error as CancellationError {
                throw error
            } catch {
                result.skipped.append(SkippedEntry(identifier: mapping.resourceARN, reason: "cannot describe the pipeline: \(error)"))
                continue
            }
            let createdAt = pipeline.metadata?.created
            // As `CodePipelineProvider.apply` reports it: the pipeline's name, with `name` and `arn` outputs.
            let node = InstanceTagged.node(
                type: type, tags: mapping.tags, physicalName: name, properties: ["name": .string(name)],
                outputs: ["name": name, "arn": mapping.resourceARN], createdAt: createdAt)
            result.resources.append(DiscoveredResource(type: type, identifier: mapping.resourceARN, tags: mapping.tags, createdAt: createdAt, node: node))
        }
        return result
    }
}
