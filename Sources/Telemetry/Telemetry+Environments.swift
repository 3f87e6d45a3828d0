import CoreMetrics

extension Telemetry {
    /// The state machine's phases (`EnvironmentRecord.State.name`): each gets a series, zero when no
    /// environment is in it, so a state emptied shows as 0 rather than as a series that stopped.
    public static let environmentStates = ["idle", "provisioning", "ready", "destroying", "destroyed", "failed", "skipped"]

    /// Sets the environments-per-state gauge from counts by state name (`EnvironmentRecord.State.name`,
    /// names fixed in code). Every state above is set, to 0 when empty.
    public static func environments(byState counts: [String: Int], factory: any MetricsFactory = MetricsSystem.factory) {
        for state in environmentStates + counts.keys.filter({ !environmentStates.contains($0) }).sorted() {
            set(Name.environments, Double(counts[state] ?? 0), [("state", state)], factory: factory)
        }
    }

    /// The `action` label of an operation.
    public enum OperationAction: String, Sendable, CaseIterable {
        case create, update, replace, delete
    }

    /// The `outcome` label of an operation.
    public enum OperationOutcome: String, Sendable, CaseIterable {
        case succeeded, failed, cancelled
    }

    /// One resource's operation finished. `resourceType` is a blueprint's validated type
    /// (`aws/codebuild-project`: a kind prenv ships), or `unknown`; never a resource's id or name.
    public static func operationFinished(
        resourceType: String, action: OperationAction, outcome: OperationOutcome, duration: Duration,
        factory: any MetricsFactory = MetricsSystem.factory
    ) {
        time(Name.operationDuration, duration, [("resource_type", resourceType), ("action", action.rawValue), ("outcome", outcome.rawValue)],
             factory: factory)
    }

    /// Which periodic pass ran.
    public enum Pass: Sendable, CaseIterable {
        /// Retries failed teardowns, drains stragglers, prunes the inbox.
        case reconciler
        /// Lists open PRs and asks GitHub about the ones with environments.
        case pullRequestCheck
    }

    /// One pass of the reconciler or of the pull-request checks finished.
    public static func passFinished(_ pass: Pass, duration: Duration, factory: any MetricsFactory = MetricsSystem.factory) {
        switch pass {
        case .reconciler:
            count(Name.reconcilerRuns, factory: factory)
            time(Name.reconcilerDuration, duration, factory: factory)
        case .pullRequestCheck:
            count(Name.prCheckRuns, factory: factory)
            time(Name.prCheckDuration, duration, factory: factory)
        }
    }
}
