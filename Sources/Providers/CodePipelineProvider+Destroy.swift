import AWSCore
import AWSServices
import Orchestrator

extension CodePipelineProvider {
    /// Deletes the pipeline the record names, only if its tags say prenv manages it for this
    /// environment. Works from the record alone (never today's blueprint); gone is success.
    public func destroy(_ record: NodeRecord, context: ProvisionContext, progress: @escaping @Sendable (String) -> Void) async throws {
        try await deletePipeline(record, context: context, progress: progress)
    }

    func deletePipeline(_ record: NodeRecord, context: ProvisionContext, progress: @Sendable (String) -> Void) async throws {
        guard let name = record.physicalName ?? record.outputs["name"] ?? record.properties.string("name") else {
            throw ProviderError.invalidProperty(property: "name", reason: "the record of \(record.id) names no pipeline")
        }
        let arn: String
        if let recorded = record.outputs["arn"], !recorded.isEmpty {
            arn = recorded
        } else {
            let output: CodePipeline.GetPipelineOutput
            do {
                output = try await pipelines.getPipeline(name: name)
            } catch let error as AWSError {
                guard error.isNotFound else { throw error }
                progress("pipeline \(name) is already gone")
                return
            }
            arn = try Self.arn(of: output, name: name)
        }
        let found: [CodePipeline.Tag]
        do {
            found = try await pipelines.listTagsForResource(resourceArn: arn)
        } catch let error as AWSError {
            guard error.isNotFound else { throw error }
            progress("pipeline \(name) is already gone")
            return
        }
        let tags = Dictionary(found.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
        guard ManagedTags.isOwned(tags, by: context) else {
            throw ProviderError.foreignResource(kind: "pipeline", name: name, detail: ManagedTags.ownershipDetail(tags))
        }
        progress("deleting pipeline \(name)")
        do {
            try await pipelines.deletePipeline(name: name)
        } catch let error as AWSError {
            // Deleted meanwhile: the goal is reached.
            guard error.isNotFound else { throw error }
        }
    }
}
