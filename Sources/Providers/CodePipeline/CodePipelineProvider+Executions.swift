import AWSCore
import AWSServices
import Blueprint
import Foundation
import Orchestrator

extension CodePipelineProvider {
    /// Starts an execution at `source_revision` and stops the ones it supersedes.
    ///
    /// V2 pipelines are pinned to the commit (`sourceRevisions`); V1 pipelines cannot be, and run
    /// the branch's head, which is the same commit unless a newer push is already on its way.
    func startExecution(
        _ clone: CodePipelineClone, settings: CodePipelineSettings, created: Date?, request: ApplyRequest
    ) async throws -> String {
        let revision = settings.sourceRevision
        let token = Self.requestToken(
            envName: request.context.envName, revision: revision, pipelineCreated: created,
            previousExecution: request.previous?.outputs["execution_id"])
        let overrides = clone.isV2 && !clone.commitSourceActions.isEmpty
            ? clone.commitSourceActions.map { CodePipeline.SourceRevisionOverride(actionName: $0, revisionValue: revision) } : nil
        request.progress("starting pipeline \(settings.name) at \(revision)")
        let id = try await pipelines.startPipelineExecution(name: settings.name, clientRequestToken: token, sourceRevisions: overrides)
        try await stopSuperseded(pipeline: settings.name, keeping: id, revision: revision, progress: request.progress)
        return id
    }

    /// The `clientRequestToken`: a retried apply (after a crash or a throttled answer) gets the same
    /// execution back instead of starting a second one.
    ///
    /// Derived from the environment and the revision, plus the pipeline's creation time (a closed
    /// and reopened PR gets a new pipeline, whose first run must not resolve to the old one's) and the
    /// execution the record already holds (pushing A, B, then A again runs A again). AWS allows
    /// `[A-Za-z0-9-]`, at most 128 characters.
    static func requestToken(envName: String, revision: String, pipelineCreated: Date?, previousExecution: String?) -> String {
        let created = pipelineCreated.map { String(Int64($0.timeIntervalSince1970)) } ?? ""
        let seed = [envName, revision, created, previousExecution ?? ""].joined(separator: "\n")
        let readable = String(revision.filter { $0.isASCII && ($0.isLetter || $0.isNumber) }.prefix(12))
        return "prenv-\(StableHash.short(seed))-\(StableHash.short(String(seed.reversed())))" + (readable.isEmpty ? "" : "-\(readable)")
    }

    /// Stops (abandoning) every other execution GetPipelineState shows in progress; one that finished
    /// or is already stopping meanwhile is fine. GetPipelineState shows the newest execution per
    /// stage, so an older run hidden behind a newer one in the same stage is not seen.
    func stopSuperseded(pipeline: String, keeping current: String, revision: String, progress: @Sendable (String) -> Void) async throws {
        let state = try await pipelines.getPipelineState(name: pipeline)
        let running = Set((state.stageStates ?? []).compactMap { stage -> String? in
            guard let latest = stage.latestExecution, latest.status == "InProgress",
                  let id = latest.pipelineExecutionId, id != current else { return nil }
            return id
        })
        for id in running.sorted() {
            do {
                _ = try await pipelines.stopPipelineExecution(
                    pipelineName: pipeline, pipelineExecutionId: id, abandon: true, reason: String("superseded by \(revision)".prefix(200)))
                progress("stopped superseded execution \(id)")
            } catch let error as AWSError {
                // Finished or already stopping meanwhile: nothing left to stop.
                let gone = ["PipelineExecutionNotStoppableException", "DuplicatedStopRequestException"].contains(error.code) || error.isNotFound
                guard gone else { throw error }
            }
        }
    }
}

extension CodePipelineProvider {
    /// Polls the execution until it ends, reporting each stage transition once (progress text and
    /// `ProgressEvent.stage`), and returns every stage's final status. A failed, stopped or superseded execution
    /// is an error naming the stage and AWS's message; cancellation stops waiting at once.
    func track(
        pipeline: String, executionID: String, node: String = "", progress: @escaping @Sendable (String) -> Void,
        stage onStage: @escaping @Sendable (StageProgress) -> Void = { _ in }
    ) async throws -> [String: String] {
        var reported: [String: String] = [:]
        return try await waiter.wait(kind: "pipeline", name: pipeline, for: "execution \(executionID) to finish") { () async throws -> [String: String]? in
            try Task.checkCancellation()
            // The execution first, then the stages: the poll that sees the end also sees every stage's
            // final state.
            let execution = try await pipelines.getPipelineExecution(pipelineName: pipeline, pipelineExecutionId: executionID)
            let state = try await pipelines.getPipelineState(name: pipeline)
            let stages = (state.stageStates ?? []).filter { $0.latestExecution?.pipelineExecutionId == executionID }
            for stage in stages {
                report(stage, executionID: executionID, node: node, reported: &reported, progress: progress, onStage: onStage)
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
        _ stage: CodePipeline.StageState, executionID: String, node: String, reported: inout [String: String],
        progress: @Sendable (String) -> Void, onStage: @Sendable (StageProgress) -> Void
    ) {
        guard let name = stage.stageName, let status = stage.latestExecution?.status, reported[name] != status else { return }
        var statuses = [status]
        if reported[name] == nil && status != "InProgress" { statuses.insert("InProgress", at: 0) }
        reported[name] = status
        for next in statuses {
            progress("stage \(name): \(next)")
            let summary = next == status ? Self.summary(of: stage) : nil
            onStage(StageProgress(node: node, stage: name, status: next, summary: summary, executionID: executionID))
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
