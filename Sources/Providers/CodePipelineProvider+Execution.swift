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
