import AWSCore
import AWSServices

extension CodePipelineProvider {
    /// Polls the execution until it ends, reporting each stage transition once (progress text and
    /// `onStage`), and returns every stage's final status. A failed, stopped or superseded execution
    /// is an error naming the stage and AWS's message; cancellation stops waiting at once.
    func track(pipeline: String, executionID: String, node: String = "", progress: @escaping @Sendable (String) -> Void) async throws -> [String: String] {
        var reported: [String: String] = [:]
        return try await waiter.wait(kind: "pipeline", name: pipeline, for: "execution \(executionID) to finish") { () async throws -> [String: String]? in
            try Task.checkCancellation()
            // The execution first, then the stages: the poll that sees the end also sees every stage's
            // final state.
            let execution = try await pipelines.getPipelineExecution(pipelineName: pipeline, pipelineExecutionId: executionID)
            let state = try await pipelines.getPipelineState(name: pipeline)
            let stages = (state.stageStates ?? []).filter { $0.latestExecution?.pipelineExecutionId == executionID }
            for stage in stages {
                report(stage, pipeline: pipeline, executionID: executionID, node: node, reported: &reported, progress: progress)
            }
            switch execution.status {
            case "Succeeded":
                return Dictionary(stages.compactMap { stage in
                    stage.stageName.flatMap { name in stage.latestExecution?.status.map { (name, $0) } }
                }, uniquingKeysWith: { _, last in last })
            case nil, "InProgress", "Stopping":
                return nil
            case let status?:
                throw Self.failure(pipeline: pipeline, executionID: executionID, status: status, execution: execution, stages: stages)
            }
        }
    }

    /// Emits the stage's new status, preceded by `InProgress` when no poll caught the stage running.
    func report(
        _ stage: CodePipeline.StageState, pipeline: String, executionID: String, node: String, reported: inout [String: String],
        progress: @Sendable (String) -> Void
    ) {
        guard let name = stage.stageName, let status = stage.latestExecution?.status, reported[name] != status else { return }
        var statuses = [status]
        if reported[name] == nil && status != "InProgress" { statuses.insert("InProgress", at: 0) }
        reported[name] = status
        for next in statuses {
            progress("stage \(name): \(next)")
            let summary = next == status ? Self.summary(of: stage) : nil
            onStage?(StageEvent(pipeline: pipeline, executionId: executionID, stage: name, status: next, summary: summary, node: node))
        }
    }

    /// The failing action's error message and summary, else the first action summary AWS gave.
    static func summary(of stage: CodePipeline.StageState) -> String? {
        let actions = (stage.actionStates ?? []).compactMap(\.latestExecution)
        if let failed = actions.first(where: { $0.status == "Failed" }) {
            let parts = [failed.errorDetails?.message, failed.summary].compactMap { $0 }.filter { !$0.isEmpty }
            let unique = parts.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            if !unique.isEmpty { return unique.joined(separator: " — ") }
        }
        return actions.lazy.compactMap(\.summary).first { !$0.isEmpty }
    }

    static func failure(
        pipeline: String, executionID: String, status: String, execution: CodePipeline.PipelineExecution, stages: [CodePipeline.StageState]
    ) -> ProviderError {
        let failing = stages.first { $0.latestExecution?.status == "Failed" } ?? stages.last { $0.latestExecution?.status != "Succeeded" }
        var reason = "execution \(executionID) \(status)"
        if let failing, let name = failing.stageName {
            reason += " in stage \(name)"
            if let action = failing.actionStates?.first(where: { $0.latestExecution?.status == "Failed" })?.actionName {
                reason += " (action \(action))"
            }
        }
        let detail = status == "Failed" ? failing.flatMap(summary(of:)) ?? execution.statusSummary : execution.statusSummary
        if let detail, !detail.isEmpty { reason += ": \(detail)" }
        return ProviderError.failed(kind: "pipeline", name: pipeline, reason: reason)
    }
}
