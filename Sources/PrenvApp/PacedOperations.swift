import AWSCore
import Orchestrator
import Supervisor
import Blueprint

/// Environment operations whose AWS calls rank by when the operation started (`PacingPriority`):
/// when a service's rate is spent, the oldest environments' calls go first, so a burst of pull
/// requests finishes one environment after another instead of all of them at the very end.
struct PacedOperations: EnvironmentOperations {
    let inner: any EnvironmentOperations

    func apply(blueprint: Blueprint, context: PRContext, key: EnvironmentKey, observer: OperationObserver) async -> ExecutionResult {
        await PacingPriority.$startedAt.withValue(.now) {
            await inner.apply(blueprint: blueprint, context: context, key: key, observer: observer)
        }
    }

    func destroy(key: EnvironmentKey, observer: OperationObserver) async -> ExecutionResult {
        await PacingPriority.$startedAt.withValue(.now) {
            await inner.destroy(key: key, observer: observer)
        }
    }
}
