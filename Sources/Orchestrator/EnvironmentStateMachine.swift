import Blueprint

/// The lifecycle of one PR environment as a pure state machine: events in, actions out, no I/O, no
/// time. The per-PR worker feeds it webhook events and the ends of the operations it asked for, and
/// does what it returns; every transition is a line in the table tests.
///
/// The machine tracks what the environment should be (`desired`), what is running, and what the last
/// finished operation aimed at (`settled`). After every event it reconciles: one operation at a time,
/// a running apply that no longer matches `desired` is cancelled, and the next operation starts when
/// the running one reports back. So two pushes during an apply coalesce into one apply of the newest
/// SHA, and a close during an apply cancels it and destroys afterwards. A failed operation is not
/// retried on its own (no loops); a new push, a reopen or a label change tries again, and the
/// periodic reconciler covers the rest.
public struct EnvironmentStateMachine: Sendable, Hashable, Codable {
    public internal(set) var phase: EnvironmentPhase
    public internal(set) var desired: Desired?
    public internal(set) var running: Running?
    /// Set once `.cancelApply` was emitted for the running apply, so it is sent only once.
    public internal(set) var cancelRequested = false
    /// What the last finished (not cancelled) operation was for, successful or not.
    public internal(set) var settled: Desired?
    /// Whether resources may exist: set when an apply starts, cleared by a successful destroy.
    public internal(set) var hasResources: Bool
    public internal(set) var isClosed = false
    /// The SHA of the last apply started, named in the `failed` phase when a destroy fails.
    public internal(set) var lastAppliedSHA: String?
    /// The highest `PRSnapshot.sequence` (or `closed` sequence) accepted.
    public internal(set) var lastSequence: Int = .min

    /// - Parameter hasRecordedResources: true when the store holds a record with live nodes, e.g.
    ///   after a restart, so that a close destroys them even though this machine never applied.
    public init(phase: EnvironmentPhase = .idle, hasRecordedResources: Bool = false) {
        self.phase = phase
        hasResources = hasRecordedResources
    }

    /// What the machine would do next if nothing else happened: the pending operation, if any.
    public var queued: Desired? {
        guard running != nil, let desired else { return nil }
        if case .apply(let sha) = running, desired == .present(sha: sha) { return nil }
        if running == .destroy, case .absent = desired { return nil }
        return desired
    }

    /// Handles one event and returns the actions to carry out, in order.
    public mutating func handle(_ event: Event) -> [Action] {
        switch event {
        case .opened(let pr, let decision), .reopened(let pr, let decision):
            guard accept(pr.sequence) else { return [.ignore(reason: "stale event")] }
            isClosed = false
            settled = nil  // an explicit (re)open always tries again
            return want(pr, decision)
        case .synchronize(let pr, let decision), .labeled(let pr, let decision), .unlabeled(let pr, let decision):
            guard accept(pr.sequence) else { return [.ignore(reason: "stale event")] }
            guard !isClosed else { return [.ignore(reason: "pull request is closed")] }
            return want(pr, decision)
        case .closed(let sequence):
            guard accept(sequence) else { return [.ignore(reason: "stale event")] }
            isClosed = true
            return set(.absent(reason: "pull request closed"))
        case .applyFinished(let sha, let success, let reason):
            return applyFinished(sha: sha, success: success, reason: reason)
        case .destroyFinished(let success, let reason):
            return destroyFinished(success: success, reason: reason)
        }
    }
}
