import Foundation
import Orchestrator

/// The supervisor's part in a graceful shutdown (SIGTERM): first `quiesce`, so operations already
/// running go on to their end and record it, but none starts (a queued one stays saved as awaiting
/// its start and is resumed by the next owner); then `stop`, which cancels what is still running at
/// the end of the grace period: the executor has recorded each node it was working on (`creating`,
/// `deleting`), so the next start adopts or looks again, exactly as after a crash.
extension EnvironmentSupervisor {
    /// From now on no operation starts; events still pending are absorbed and saved as usual.
    public func quiesce() {
        quiescing = true
    }

    /// How many operations are running on this replica.
    public var runningOperations: Int {
        slots.values.count { $0.task != nil }
    }

    /// Waits until no operation is running, polling every `interval`, or until `deadline`; returns
    /// how many are still running then. Cancellation ends the wait (the caller then stops them).
    public func waitForRunningOperations(until deadline: ContinuousClock.Instant, interval: Duration = .milliseconds(50)) async -> Int {
        while runningOperations > 0, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: min(interval, ContinuousClock.now.duration(to: deadline)))
        }
        return runningOperations
    }
}
