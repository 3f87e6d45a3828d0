extension EnvironmentStateMachine {
    /// Whether some replica must hold this environment's PR: it is open (pushes, expiry and PR checks
    /// still concern it), holds or may hold resources, has an operation asked for or running, a
    /// teardown to retry, or a same-second tie to settle. Only a closed PR whose environment is gone
    /// and idle needs nobody. Stores keep it beside the worker record, so that when a replica dies
    /// the others find its PRs (`LeaseStore.unownedWork`) without reading every machine. Changing
    /// this rule needs a migration that recomputes the stored flags (SQLite's migration 8 renders
    /// it in SQL); a row keeps the old answer until it is saved again.
    public var needsOwner: Bool {
        !isClosed || hasResources || running != nil || teardownBackoff != nil || unconfirmed != nil
    }
}
