import Blueprint
import Foundation
import Orchestrator

/// Where an operation's progress goes while it runs (resource steps and pipeline stages alike).
public struct OperationObserver: Sendable {
    public var progress: @Sendable (ProgressEvent) -> Void

    public init(progress: @escaping @Sendable (ProgressEvent) -> Void = { _ in }) {
        self.progress = progress
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

/// The real operations: `Planner` and `Executor` over the state store and the providers.
public struct ExecutorOperations: EnvironmentOperations {
    let store: any StateStore
    let maxConcurrency: Int
    let providers: [any ResourceProvider]
    /// `PRENV_INSTANCE`: tagged on what the executor creates, checked before it changes anything.
    let instance: String?

    public init(store: any StateStore, maxConcurrency: Int, providers: [any ResourceProvider], instance: String? = nil) {
        self.store = store
        self.maxConcurrency = maxConcurrency
        self.providers = providers
        self.instance = instance
    }

    public func apply(blueprint: Blueprint, context: PRContext, key: EnvironmentKey, observer: OperationObserver) async -> ExecutionResult {
        await withRecord(key) { recorded in
            let plan = Planner.plan(blueprint: blueprint, context: context, recorded: recorded)
            let executor = Executor(providers: providers, store: store, maxConcurrency: maxConcurrency, instance: instance)
            return await executor.apply(plan: plan, blueprint: blueprint, context: context, key: key, onEvent: observer.progress)
        }
    }

    public func destroy(key: EnvironmentKey, observer: OperationObserver) async -> ExecutionResult {
        await withRecord(key) { recorded in
            guard let recorded else { return ExecutionResult() }
            let executor = Executor(providers: providers, store: store, maxConcurrency: maxConcurrency, instance: instance)
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
