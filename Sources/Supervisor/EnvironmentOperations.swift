import Blueprint
import Foundation
import Orchestrator

/// One stage transition of a pipeline execution an apply started (from the CodePipeline provider),
/// defined here so the supervisor needs no provider code.
public struct PipelineStageUpdate: Sendable, Hashable {
    public var node: String
    public var stage: String
    /// AWS's stage status: `InProgress`, `Succeeded`, `Failed`, `Stopped`, …
    public var status: String
    public var summary: String?
    public var executionID: String

    public init(node: String, stage: String, status: String, summary: String? = nil, executionID: String) {
        self.node = node
        self.stage = stage
        self.status = status
        self.summary = summary
        self.executionID = executionID
    }
}

/// Where an operation's progress goes while it runs.
public struct OperationObserver: Sendable {
    public var progress: @Sendable (ProgressEvent) -> Void
    public var stage: @Sendable (PipelineStageUpdate) -> Void

    public init(progress: @escaping @Sendable (ProgressEvent) -> Void = { _ in },
                stage: @escaping @Sendable (PipelineStageUpdate) -> Void = { _ in }) {
        self.progress = progress
        self.stage = stage
    }
}

/// The two things a worker asks for. The real one plans and executes against AWS; engine tests
/// substitute one they control.
public protocol EnvironmentOperations: Sendable {
    /// Plans against the record and applies; cancellation (a newer commit, a close) stops it cleanly.
    func apply(blueprint: Blueprint, context: PRContext, key: EnvironmentKey, observer: OperationObserver) async -> ExecutionResult
    /// Destroys what the record holds, dependents first; nothing recorded is success.
    func destroy(key: EnvironmentKey, observer: OperationObserver) async -> ExecutionResult
}

/// The real operations: `Planner` and `Executor` over the state store and a fresh set of providers
/// per run (so each run's pipeline-stage hook knows whose statuses it feeds).
public struct ExecutorOperations: EnvironmentOperations {
    let store: any StateStore
    let maxConcurrency: Int
    let makeProviders: @Sendable (_ onStage: @escaping @Sendable (PipelineStageUpdate) -> Void) -> [any ResourceProvider]

    public init(store: any StateStore, maxConcurrency: Int,
                makeProviders: @escaping @Sendable (_ onStage: @escaping @Sendable (PipelineStageUpdate) -> Void) -> [any ResourceProvider]) {
        self.store = store
        self.maxConcurrency = maxConcurrency
        self.makeProviders = makeProviders
    }

    public func apply(blueprint: Blueprint, context: PRContext, key: EnvironmentKey, observer: OperationObserver) async -> ExecutionResult {
        await withRecord(key) { recorded in
            let plan = Planner.plan(blueprint: blueprint, context: context, recorded: recorded)
            let executor = Executor(providers: makeProviders(observer.stage), store: store, maxConcurrency: maxConcurrency)
            return await executor.apply(plan: plan, blueprint: blueprint, context: context, key: key, onEvent: observer.progress)
        }
    }

    public func destroy(key: EnvironmentKey, observer: OperationObserver) async -> ExecutionResult {
        await withRecord(key) { recorded in
            guard let recorded else { return ExecutionResult() }
            let executor = Executor(providers: makeProviders(observer.stage), store: store, maxConcurrency: maxConcurrency)
            return await executor.destroy(recorded: recorded, onEvent: observer.progress)
        }
    }

    /// Runs `body` with the environment's record; a store that cannot be read fails the operation.
    private func withRecord(_ key: EnvironmentKey, _ body: (EnvironmentRecord?) async -> ExecutionResult) async -> ExecutionResult {
        do {
            return await body(try await store.load(key))
        } catch {
            return ExecutionResult(error: error)
        }
    }
}
