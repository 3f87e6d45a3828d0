import Blueprint
import Foundation

extension EnvironmentStateMachine {
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
        case .started(let operation):
            guard awaitingStart == operation else { return [.ignore(reason: "\(operation) is not awaiting a start")] }
            runningHasStarted = true
            return []
        case .applyFinished(let sha, let success, let reason):
            return applyFinished(sha: sha, success: success, reason: reason)
        case .destroyFinished(let success, let reason, let date):
            return destroyFinished(success: success, reason: reason, at: date)
        case .periodicCheck(let now):
            return retryTeardownIfDue(now: now)
        }
    }

    /// After a restart: whatever was running died with the process (or never started). Forget it and
    /// start again toward `desired` (providers adopt what the interrupted run left), so a crash never
    /// strands an environment half made or half destroyed. The teardown backoff is kept: a destroy
    /// interrupted mid-way is re-issued at once, but a failed one still waits its turn.
    public mutating func resumeAfterRestart() -> [Action] {
        guard running != nil else { return [] }
        endRunning()
        return reconcile()
    }

    private mutating func accept(_ sequence: Int) -> Bool {
        guard isFresh(sequence) else { return false }
        lastSequence = sequence
        return true
    }

    /// The PR wants an environment at its head SHA, unless the decision says skip.
    private mutating func want(_ pr: PRSnapshot, _ decision: Decision) -> [Action] {
        switch decision {
        case .provision: set(.present(sha: pr.headSHA))
        case .skip(let reason): set(.absent(reason: reason))
        }
    }

    private mutating func set(_ target: Desired) -> [Action] {
        if target == desired, running != nil || target == settled {
            return [.ignore(reason: "already \(running == nil ? "done" : "queued or running")")]
        }
        desired = target
        return reconcile()
    }

    private mutating func endRunning() {
        running = nil
        runningHasStarted = false
        cancelRequested = false
    }

    /// Starts, cancels or leaves operations so that the environment moves toward `desired`.
    private mutating func reconcile() -> [Action] {
        guard let desired else { return [] }
        switch running {
        case .apply(let sha):
            guard desired != .present(sha: sha), !cancelRequested else { return [] }
            guard runningHasStarted else {
                // Asked for but not started (superseded within one batch of events): it never
                // runs and reports nothing to GitHub; it ends here as a superseded apply would.
                return applyFinished(sha: sha, success: false, reason: "superseded before it started")
            }
            cancelRequested = true
            return [.cancelApply]
        case .destroy:
            return []  // a destroy runs to the end; what is queued starts after it
        case nil:
            guard desired != settled else { return [] }
            switch desired {
            case .present(let sha):
                running = .apply(sha: sha)
                lastAppliedSHA = sha
                hasResources = true
                phase = .provisioning(sha: sha)
                return [.apply(sha: sha)]
            case .absent(let reason):
                guard hasResources else {
                    settled = desired
                    phase = isClosed ? .destroyed : .skipped(reason: reason)
                    return isClosed ? [.ignore(reason: "nothing recorded to destroy")] : []
                }
                running = .destroy
                phase = .destroying
                // Whatever was applied is going away: once the destroy ends, a wish for the same
                // commit (a skip label removed meanwhile, a restart mid-destroy) must apply again.
                settled = nil
                return [.destroy]
            }
        }
    }

    private mutating func applyFinished(sha: String, success: Bool, reason: String) -> [Action] {
        guard running == .apply(sha: sha) else { return [.ignore(reason: "no apply of \(sha) is running")] }
        let superseded = cancelRequested || desired != .present(sha: sha)
        endRunning()
        if !superseded { settled = desired }
        if success { teardownBackoff = nil }  // the environment recovered
        phase = success ? .ready(sha: sha) : .failed(sha: sha, reason: reason)
        return reconcile()
    }

    private mutating func destroyFinished(success: Bool, reason: String, at date: Date) -> [Action] {
        guard running == .destroy else { return [.ignore(reason: "no destroy is running")] }
        endRunning()
        if success {
            hasResources = false
            teardownBackoff = nil
            if case .absent(let skipReason) = desired {
                settled = desired
                phase = isClosed ? .destroyed : .skipped(reason: skipReason)
            } else {
                phase = .idle
            }
        } else {
            teardownBackoff = teardownBackoff?.failedAgain(at: date) ?? TeardownBackoff(failures: 1, lastFailure: date)
            if case .absent = desired { settled = desired }
            phase = .failed(sha: lastAppliedSHA ?? "", reason: "destroy failed: \(reason)")
        }
        return reconcile()
    }

    /// A teardown that failed is tried again once its backoff is over; nothing else is retried on
    /// its own (a failed apply waits for a push, a reopen or a label change).
    private mutating func retryTeardownIfDue(now: Date) -> [Action] {
        guard running == nil, case .absent = desired, hasResources, case .failed = phase else { return [] }
        if let backoff = teardownBackoff, now < backoff.retryAt {
            return [.ignore(reason: "teardown retry not due before \(backoff.retryAt.ISO8601Format())")]
        }
        settled = nil
        return reconcile()
    }
}
