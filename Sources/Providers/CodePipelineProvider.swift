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
    let onStage: (@Sendable (StageEvent) -> Void)?

    /// - Parameters:
    ///   - waiter: how executions are polled (`.fast` for the local endpoint).
    ///   - githubOAuthToken: looks up an environment variable by name (the process environment by default).
    ///   - onStage: called once per stage transition of the execution prenv started, in pipeline
    ///     order; the hook per-stage commit statuses attach to.
    public init(
        client: AWSClient, waiter: Waiter = Waiter(),
        githubOAuthToken: @escaping @Sendable (String) -> String? = { ProcessInfo.processInfo.environment[$0] },
        onStage: (@Sendable (StageEvent) -> Void)? = nil
    ) {
        self.pipelines = CodePipeline(client: client)
        self.waiter = waiter
        self.githubOAuthToken = githubOAuthToken
        self.onStage = onStage
    }

    public func apply(_ request: ApplyRequest) async throws -> ApplyResult {
        try await reconcile(request)
    }

    func reconcile(_ request: ApplyRequest) async throws -> ApplyResult {
        let settings = try CodePipelineSettings(request.properties, headSHA: request.context.headSHA)
        let template = try await pipelines.getPipeline(name: settings.template)
        let clone = try settings.rewrite(template.pipeline) { () throws(ProviderError) -> String in try resolveToken(settings) }
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
        let stages = try await track(pipeline: settings.name, executionID: executionID, node: request.nodeID, progress: request.progress)
        for (stage, status) in stages { outputs["stage.\(stage)"] = status }
        return ApplyResult(outputs: outputs, physicalName: settings.name)
    }

    /// The token for GitHub (version 1) source actions, from the variable `github_oauth_token_env` names.
    /// Errors name the property and the variable, never the value.
    func resolveToken(_ settings: CodePipelineSettings) throws(ProviderError) -> String {
        guard let variable = settings.tokenEnvironmentVariable else {
            throw ProviderError.invalidProperty(
                property: "github_oauth_token_env",
                reason: "template pipeline \(settings.template) has a GitHub (version 1) source action, whose OAuth token AWS never returns; "
                    + "set github_oauth_token_env to the name of an environment variable of the prenv process that holds the token")
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
