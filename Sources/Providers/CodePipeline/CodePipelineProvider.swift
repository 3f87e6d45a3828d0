import AWSCore
import AWSServices
import Blueprint
import Foundation
import Orchestrator

/// `aws/codepipeline`: a per-PR clone of an existing ("main") pipeline, pointed at the PR's branch and
/// the PR's own CodeBuild projects, run at the PR's head commit.
///
/// This is prenv's original idea: teams already have a pipeline that works for `main`, so an
/// environment copies it instead of describing a new one. Every member of the template's declaration
/// that prenv does not rewrite is kept, including members newer than prenv (`JSONValue`).
public struct CodePipelineProvider: ResourceProvider {
    public var type: ResourceType { .codePipeline }

    let pipelines: CodePipeline
    let waiter: Waiter
    /// Resolves the *name* in `github_oauth_token_env` to the token; injected so tests need no real
    /// environment and the token never passes through properties, records or logs.
    let githubOAuthToken: @Sendable (String) -> String?

    /// - Parameters:
    ///   - waiter: how executions are polled (`.fast` for the local endpoint).
    ///   - githubOAuthToken: looks up an environment variable by name (the process environment by default).
    public init(
        client: AWSClient, waiter: Waiter = Waiter(),
        githubOAuthToken: @escaping @Sendable (String) -> String? = { ProcessInfo.processInfo.environment[$0] }
    ) {
        self.pipelines = CodePipeline(client: client)
        self.waiter = waiter
        self.githubOAuthToken = githubOAuthToken
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResult {
        try await reconcile(request)
    }

    func reconcile(_ request: ApplyRequest) async throws -> ApplyResult {
        let settings = try CodePipelineSettings(request.properties, headSHA: request.context.headSHA)
        let template = try await pipelines.getPipeline(name: settings.template)
        let clone = try settings.rewrite(template.pipeline) { () throws(ProviderError) -> String in try resolveToken(settings) }
        request.progress(Self.describe(clone.decisions, template: settings.template))
        let ensured = try await ensurePipeline(clone, settings: settings, request: request)

        var outputs = ["name": settings.name, "arn": ensured.arn]
        guard ensured.created || request.startsExecution else {
            // Nothing new to run: report the last execution and the stages as they stand.
            if let previous = request.previous?.outputs["execution_id"] { outputs["execution_id"] = previous }
            let state = try await pipelines.getPipelineState(name: settings.name)
            for stage in state.stageStates ?? [] {
                if let name = stage.stageName, let status = stage.latestExecution?.status { outputs["stage.\(name)"] = status }
            }
            return ApplyResult(outputs: outputs, physicalName: settings.name)
        }
        let executionID = try await startExecution(clone, settings: settings, created: ensured.createdAt, request: request)
        outputs["execution_id"] = executionID
        let stages = try await track(pipeline: settings.name, executionID: executionID, node: request.nodeID, progress: request.progress,
                                     stage: request.stage)
        for (stage, status) in stages { outputs["stage.\(stage)"] = status }
        return ApplyResult(outputs: outputs, physicalName: settings.name)
    }

    /// The token for GitHub (version 1) source actions, from the variable `github_oauth_token_env` names.
    /// Errors name the property and the variable, never the value.
    func resolveToken(_ settings: CodePipelineSettings) throws(ProviderError) -> String {
        try Self.resolveToken(settings, lookup: githubOAuthToken)
    }

    static func resolveToken(_ settings: CodePipelineSettings, lookup githubOAuthToken: (String) -> String?) throws(ProviderError) -> String {
        guard let variable = settings.tokenEnvironmentVariable else {
            throw ProviderError.invalidProperty(
                property: "github_oauth_token_env",
                reason: "template pipeline \(settings.template) has a GitHub (version 1) source action, whose OAuth token AWS never returns; "
                    + "set github_oauth_token_env to the name of an environment variable of the prenv process that holds the token")
        }
        // Defence in depth: the loader refuses other names, but a settings value built elsewhere must
        // not turn this lookup into a way to read AWS_SECRET_ACCESS_KEY into a pipeline.
        guard variable.hasPrefix(ProviderKind.tokenVariablePrefix), !ProviderKind.prenvSettingVariables.contains(variable) else {
            throw ProviderError.invalidProperty(
                property: "github_oauth_token_env",
                reason: "environment variable \(variable) is not one prenv hands to a pipeline: names must begin with \(ProviderKind.tokenVariablePrefix) "
                    + "and not be one of prenv's own settings")
        }
        guard let token = githubOAuthToken(variable), !token.isEmpty else {
            throw ProviderError.invalidProperty(
                property: "github_oauth_token_env",
                reason: "environment variable \(variable) is not set or empty; it must hold the GitHub OAuth token for template pipeline \(settings.template)")
        }
        return token
    }
}

extension ApplyRequest {
    /// A new commit to run: `source_revision` changed, or this is a (re)create, where the start is
    /// idempotent anyway (see `CodePipelineProvider.requestToken`).
    fileprivate var startsExecution: Bool {
        switch action {
        case .create: true
        case .update(let changed): changed.contains("source_revision")
        }
    }
}

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
        if case .create = request.action, request.previous != nil {
            // An earlier attempt was recorded (a crash, or another replica that died mid-apply): look
            // before creating, so the pipeline is created once and adopted by the run that resumes it.
            do {
                let current = try await pipelines.getPipeline(name: settings.name)
                try await requireOwned(current, name: settings.name, context: request.context)
                request.progress("adopting pipeline \(settings.name) left by an earlier attempt")
                return try await converge(current, to: clone, name: settings.name, progress: request.progress)
            } catch let error as AWSError where error.isNotFound {}
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

    /// Refuses a pipeline not tagged as prenv's for this environment. One that is ours but lacks some
    /// of the context's tags (made before prenv tagged instances and nodes) gets them now: UpdatePipeline
    /// does not touch tags, and without `prenv:instance` orphan hunting could never find it.
    func requireOwned(_ current: CodePipeline.GetPipelineOutput, name: String, context: ProvisionContext) async throws {
        let arn = try Self.arn(of: current, name: name)
        let found = try await pipelines.listTagsForResource(resourceArn: arn)
        let tags = Dictionary(found.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
        guard ManagedTags.isOwned(tags, by: context) else {
            throw ProviderError.foreignResource(kind: "pipeline", name: name, detail: ManagedTags.ownershipDetail(tags, context: context))
        }
        // All of them, not only the missing ones: least-privilege policies allow TagResource only
        // with `prenv:managed-by=prenv` in the request (infra/iam, CodePipelineCreateTaggedPipelines).
        if context.tags.contains(where: { tags[$0.key] != $0.value }) {
            try await pipelines.tagResource(resourceArn: arn, tags: ManagedTags.sorted(context.tags).map { CodePipeline.Tag(key: $0.key, value: $0.value) })
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
            throw ProviderError.foreignResource(kind: "pipeline", name: name, detail: ManagedTags.ownershipDetail(tags, context: context))
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
