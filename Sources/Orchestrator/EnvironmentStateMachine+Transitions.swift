import Blueprint
import Foundation

extension EnvironmentStateMachine {
    /// Handles one event and returns the actions to carry out, in order.
    public mutating func handle(_ event: Event) -> [Action] {
        switch event {
        case .opened(let pr, let decision), .reopened(let pr, let decision):
            notePullRequest(pr)
            return receive(Observation(pr, decision), at: pr.sequence, reopens: true)
        case .synchronize(let pr, let decision), .labeled(let pr, let decision), .unlabeled(let pr, let decision):
            notePullRequest(pr)
            return receive(Observation(pr, decision), at: pr.sequence, reopens: false)
        case .closed(let sequence):
            return receive(.closed, at: sequence, reopens: false)
        case .gitHubAnswered(let pr, let decision, let isOpen):
            notePullRequest(pr)
            return gitHubAnswered(isOpen ? Observation(pr, decision) : .closed, at: pr.sequence)
        case .gitHubUnavailable:
            return gitHubUnavailable()
        case .started(let operation):
            guard awaitingStart == operation else { return [.ignore(reason: "\(operation) is not awaiting a start")] }
            runningHasStarted = true
            askedFrom = nil  // it runs now: whatever it does is real
            return []
        case .applyFinished(let sha, let success, let reason, let transient, let date):
            return applyFinished(sha: sha, success: success, reason: reason, transient: transient, at: date)
        case .destroyFinished(let success, let reason, let date):
            return destroyFinished(success: success, reason: reason, at: date)
        case .periodicCheck(let now, let expiry):
            let retry = retryTeardownIfDue(now: now)
            guard retry.isEmpty else { return retry }
            let applyAgain = retryApplyIfDue(now: now)
            // Only a retry that does something takes the pass; one not yet due leaves it to expiry.
            let acts = applyAgain.contains { if case .ignore = $0 { false } else { true } }
            return acts ? applyAgain : expireIfDue(now: now, rule: expiry)
        case .slotsLimited(let limited):
            return limitSlots(limited)
        case .admitted:
            return admit()
        case .command(let command):
            return obey(command)
        case .blueprintChanged(let decision):
            return blueprintChanged(decision)
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

    /// Moves toward what one observation says: a close always; an open event only reopens a
    /// closed PR when it is an (re)open, which also tries a failed apply again.
    mutating func apply(_ observation: Observation, reopens: Bool) -> [Action] {
        if observation.isClosed {
            isClosed = true
            expiration = nil  // closing ends the environment for a better reason
            heldDown = nil
            keptByCommand = false  // `/prenv keep` lasts until the PR closes
        } else if let unchanged = staysExpired() {
            return unchanged
        } else if let unchanged = staysHeldDown() {
            return unchanged
        } else if reopens {
            isClosed = false
            settled = nil  // an explicit (re)open always tries again
        } else if isClosed {
            return [.ignore(reason: "pull request is closed")]
        }
        return set(observation.target)
    }

    mutating func set(_ target: Desired) -> [Action] {
        if target == desired, running != nil || target == settled {
            return [.ignore(reason: "already \(running == nil ? "done" : "queued or running")")]
        }
        if target != desired { applyRetry = nil }  // a new wish starts its own count
        desired = target
        return reconcile()
    }

    mutating func endRunning() {
        running = nil
        runningHasStarted = false
        cancelRequested = false
    }

    /// Starts, cancels or leaves operations so that the environment moves toward `desired`.
    mutating func reconcile() -> [Action] {
        guard let desired else { return [] }
        switch running {
        case .apply(let sha):
            guard desired != .present(sha: sha), !cancelRequested else { return [] }
            guard runningHasStarted else {
                // Asked for but not started (superseded within one batch of events): it never
                // runs and reports nothing to GitHub, so the machine is as before the ask.
                guard let before = askedFrom else {
                    // Saved by a prenv that did not record `askedFrom`: end it as superseded.
                    return applyFinished(sha: sha, success: false, reason: "superseded before it started")
                }
                endRunning()
                askedFrom = nil
                // `hasResources` stays set: a teardown of what was never made is cheap, one missed is not.
                (phase, lastAppliedSHA) = (before.phase, before.lastAppliedSHA)
                return reconcile()
            }
            cancelRequested = true
            return [.cancelApply]
        case .destroy:
            return []  // a destroy runs to the end; what is queued starts after it
        case nil:
            guard desired != settled else { return [] }
            switch desired {
            case .present(let sha):
                if let wait = waitForSlotIfNeeded() { return wait }
                if askedFrom == nil {  // kept across a restart's re-ask of an apply that never started
                    askedFrom = AskedFrom(phase: phase, lastAppliedSHA: lastAppliedSHA)
                }
                running = .apply(sha: sha)
                lastAppliedSHA = sha
                hasResources = true
                phase = .provisioning(sha: sha)
                return [.apply(sha: sha)]
            case .absent(let reason):
                waitingSince = nil  // no longer wanted: leaves the queue
                guard hasResources else {
                    admitted = false
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

    private mutating func applyFinished(sha: String, success: Bool, reason: String, transient: Bool = false, at date: Date? = nil) -> [Action] {
        guard running == .apply(sha: sha) else { return [.ignore(reason: "no apply of \(sha) is running")] }
        let superseded = cancelRequested || desired != .present(sha: sha)
        endRunning()
        askedFrom = nil
        if !superseded { settled = desired }
        if success { teardownBackoff = nil }  // the environment recovered
        if success || superseded || !transient {
            applyRetry = nil
        } else {
            let failures = (applyRetry?.failures ?? 0) + 1
            let due = date.map { $0.addingTimeInterval(ApplyRetry.delay(afterFailures: failures)) }
            applyRetry = failures <= ApplyRetry.maximumFailures ? ApplyRetry(failures: failures, due: due) : nil
        }
        phase = success ? .ready(sha: sha) : .failed(sha: sha, reason: reason)
        return reconcile()
    }

    private mutating func destroyFinished(success: Bool, reason: String, at date: Date) -> [Action] {
        guard running == .destroy else { return [.ignore(reason: "no destroy is running")] }
        endRunning()
        if success {
            hasResources = false
            admitted = false  // the slot is free again
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

    /// An apply that failed transiently is tried again once its delay is over, counted from the
    /// first periodic check that sees the failure (the check brings the clock).
    private mutating func retryApplyIfDue(now: Date) -> [Action] {
        guard running == nil, var retry = applyRetry, case .present(let sha) = desired, case .failed(sha, _) = phase else { return [] }
        guard let due = retry.due else {
            retry.due = now.addingTimeInterval(ApplyRetry.delay(afterFailures: retry.failures))
            applyRetry = retry
            return [.ignore(reason: "apply retry after a transient failure due at \(retry.due?.ISO8601Format() ?? "")")]
        }
        guard now >= due else { return [.ignore(reason: "apply retry not due before \(due.ISO8601Format())")] }
        applyRetry?.due = nil
        settled = nil
        return reconcile()
    }

    /// A teardown that failed is tried again once its backoff is over; nothing else is retried on
    /// its own (a failed apply waits for a push, a reopen or a label change, unless it failed
    /// transiently: `retryApplyIfDue`).
    private mutating func retryTeardownIfDue(now: Date) -> [Action] {
        guard running == nil, case .absent = desired, hasResources, case .failed = phase else { return [] }
        if let backoff = teardownBackoff, now < backoff.retryAt {
            return [.ignore(reason: "teardown retry not due before \(backoff.retryAt.ISO8601Format())")]
        }
        settled = nil
        return reconcile()
    }
}
