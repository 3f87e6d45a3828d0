import Blueprint

extension EnvironmentStateMachine {
    mutating func accept(_ sequence: Int) -> Bool {
        guard sequence >= lastSequence else { return false }
        lastSequence = sequence
        return true
    }

    /// The PR wants an environment at its head SHA, unless the decision says skip.
    mutating func want(_ pr: PRSnapshot, _ decision: Decision) -> [Action] {
        switch decision {
        case .provision: set(.present(sha: pr.headSHA))
        case .skip(let reason): set(.absent(reason: reason))
        }
    }

    mutating func set(_ target: Desired) -> [Action] {
        if target == desired, running != nil || target == settled {
            return [.ignore(reason: "already \(running == nil ? "done" : "queued or running")")]
        }
        desired = target
        return reconcile()
    }

    /// Starts, cancels or leaves operations so that the environment moves toward `desired`.
    mutating func reconcile() -> [Action] {
        guard let desired else { return [] }
        switch running {
        case .apply(let sha):
            guard desired != .present(sha: sha), !cancelRequested else { return [] }
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

    mutating func applyFinished(sha: String, success: Bool, reason: String) -> [Action] {
        guard running == .apply(sha: sha) else { return [.ignore(reason: "no apply of \(sha) is running")] }
        running = nil
        let superseded = cancelRequested || desired != .present(sha: sha)
        cancelRequested = false
        if !superseded { settled = desired }
        phase = success ? .ready(sha: sha) : .failed(sha: sha, reason: reason)
        return reconcile()
    }

    mutating func destroyFinished(success: Bool, reason: String) -> [Action] {
        guard running == .destroy else { return [.ignore(reason: "no destroy is running")] }
        running = nil
        if success {
            hasResources = false
            if case .absent(let skipReason) = desired {
                settled = desired
                phase = isClosed ? .destroyed : .skipped(reason: skipReason)
            } else {
                phase = .idle
            }
        } else {
            if case .absent = desired { settled = desired }
            phase = .failed(sha: lastAppliedSHA ?? "", reason: "destroy failed: \(reason)")
        }
        return reconcile()
    }
}

extension EnvironmentStateMachine {
    /// After a restart: whatever was running died with the process. Forget it and start again toward
    /// `desired` (providers adopt what the interrupted run left), so a crash never strands an
    /// environment half made or half destroyed.
    public mutating func resumeAfterRestart() -> [Action] {
        guard running != nil else { return [] }
        running = nil
        cancelRequested = false
        return reconcile()
    }

    /// The reconciler's nudge: try the last failed operation again (used for teardowns, which must
    /// not be left failed: a failed destroy leaves resources costing money).
    public mutating func retry() -> [Action] {
        guard running == nil, desired != nil else { return [] }
        settled = nil
        return reconcile()
    }
}
