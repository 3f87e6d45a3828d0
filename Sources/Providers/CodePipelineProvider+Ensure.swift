import AWSCore
import AWSServices
import Foundation
import Orchestrator

/// The pipeline as it stands after `ensurePipeline`.
struct EnsuredCodePipeline: Sendable {
    var arn: String
    /// CreatePipeline made it in this call.
    var created: Bool
    /// AWS's creation time: part of the execution's idempotency token (see `requestToken`).
    var createdAt: Date?
}

extension CodePipelineProvider {
    /// Makes the pipeline exist with `clone`'s declaration: updates (writing only when it differs),
    /// creates, or adopts one an earlier attempt left behind, and refuses a pipeline of that name that
    /// prenv does not manage for this environment.
    func ensurePipeline(_ clone: CodePipelineClone, settings: CodePipelineSettings, request: ApplyRequest) async throws -> EnsuredCodePipeline {
        if case .update(let changed) = request.action {
            do {
                let current = try await pipelines.getPipeline(name: settings.name)
                // The record says prenv made it, but a pipeline of that name may have been replaced
                // since: update only one tagged as this environment's, as the other providers do.
                try await requireOwned(current, name: settings.name, context: request.context)
                // AWS masks the token it holds, so only a changed variable name can say the token changed.
                let newToken = changed.contains("github_oauth_token_env") && clone.secret != nil
                return try await converge(current, to: clone, name: settings.name, force: newToken, progress: request.progress)
            } catch let error as AWSError where error.isNotFound {
                request.progress("pipeline \(settings.name) is gone; creating it again")
            }
        }
        request.progress("creating pipeline \(settings.name) from template \(settings.template)")
        let tags = ManagedTags.sorted(request.context.tags).map { CodePipeline.Tag(key: $0.key, value: $0.value) }
        do {
            _ = try await clone.maskingSecret { try await pipelines.createPipeline(clone.declaration, tags: tags) }
        } catch let error as AWSError {
            guard Self.isNameInUse(error) else { throw error }
            let current = try await pipelines.getPipeline(name: settings.name)
            try await requireOwned(current, name: settings.name, context: request.context)
            request.progress("adopting pipeline \(settings.name) left by an earlier attempt")
            return try await converge(current, to: clone, name: settings.name, progress: request.progress)
        }
        // CreatePipeline answers with the declaration only; the ARN is in GetPipeline's metadata.
        let created = try await pipelines.getPipeline(name: settings.name)
        return EnsuredCodePipeline(arn: try Self.arn(of: created, name: settings.name), created: true, createdAt: created.metadata?.created)
    }

    /// Refuses a pipeline not tagged as prenv's for this environment.
    func requireOwned(_ current: CodePipeline.GetPipelineOutput, name: String, context: ProvisionContext) async throws {
        let found = try await pipelines.listTagsForResource(resourceArn: try Self.arn(of: current, name: name))
        let tags = Dictionary(found.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
        guard ManagedTags.isOwned(tags, by: context) else {
            throw ProviderError.foreignResource(kind: "pipeline", name: name, detail: ManagedTags.ownershipDetail(tags))
        }
    }

    /// UpdatePipeline only when the declaration differs (ignoring `version` and masked tokens) or `force`.
    func converge(
        _ current: CodePipeline.GetPipelineOutput, to clone: CodePipelineClone, name: String, force: Bool = false,
        progress: @Sendable (String) -> Void
    ) async throws -> EnsuredCodePipeline {
        if force || !clone.matches(current.pipeline) {
            progress("updating pipeline \(name)")
            var declaration = clone.declaration
            // The get-modify-update round trip AWS documents carries the version read.
            declaration["version"] = current.pipeline["version"]
            _ = try await clone.maskingSecret { try await pipelines.updatePipeline(declaration) }
        }
        return EnsuredCodePipeline(arn: try Self.arn(of: current, name: name), created: false, createdAt: current.metadata?.created)
    }

    /// AWS says `PipelineNameInUseException`; moto says `InvalidStructureException` "… already exists".
    static func isNameInUse(_ error: AWSError) -> Bool {
        error.code == "PipelineNameInUseException" || (error.code == "InvalidStructureException" && error.message.contains("already exists"))
    }

    static func arn(of output: CodePipeline.GetPipelineOutput, name: String) throws(ProviderError) -> String {
        guard let arn = output.metadata?.pipelineArn, !arn.isEmpty else {
            throw ProviderError.failed(kind: "pipeline", name: name, reason: "GetPipeline returned no metadata.pipelineArn")
        }
        return arn
    }
}
