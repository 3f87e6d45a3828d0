import Blueprint
import Foundation
import GitHub
import Logging
import Orchestrator
import Synchronization

/// What a pull request shows about its environments beyond commit statuses: the activity model
/// (`EnvironmentActivity`, for the comment and `/api/environments`), GitHub's deployment with its
/// "View deployment" button, and one sticky comment per PR and blueprint. Every GitHub write goes
/// through the `StatusReporter` as a `GitHubWrite`; without a GitHub client only the activity is kept.
///
/// The comment is written when an operation reaches a final state (ready, failed, destroyed,
/// expired, skipped, waiting for a slot), never while it runs: the reference blueprint then costs
/// at most 8 writes per pushed commit at the default detail (summary pending and final, two stage
/// statuses, a deployment with `in_progress` and its end, one comment write). Progress while it
/// runs is what the summary status and the deployment's "in progress" say. Edits are debounced: at
/// most one per `commentInterval`, the latest final state always written (it is rendered when the
/// write is sent, not when it was asked for).
public final class EnvironmentPresence: Sendable {
    struct State {
        var activities: [EnvironmentKey: EnvironmentActivity] = [:]
        /// What the comment says next, per environment: the activity at its latest final state.
        var finals: [EnvironmentKey: CommentContent] = [:]
        /// When the comment write on its way is due; set while one is scheduled or queued.
        var commentDue: [EnvironmentKey: Date] = [:]
        var lastCommentWrite: [EnvironmentKey: Date] = [:]
        /// The digest of the body last written (without its time line), so a repeat of the same
        /// final is not sent. A digest, not the body: a comment is kilobytes, kept per environment.
        var lastCommentBody: [EnvironmentKey: TextDigest] = [:]
        /// `key@sha` of deployments GitHub refused (409/422): not asked for again.
        var refusedDeployments: Set<String> = []
        /// prenv's own login, learnt from the comments it wrote.
        var knownLogin: String?
        /// The activity count past which `evict` runs next: `keptActivities`, or a tenth more than
        /// the count a pass left, since a pass keeps what it may not drop (environments still
        /// running or owing their comment) and must not sort them all again at every update.
        var evictAt = EnvironmentPresence.keptActivities
        /// Eviction passes so far (tests).
        var evictions = 0
    }

    /// The activity at its latest final state, where the comment reads it: the activity itself
    /// while it still is that state (the usual case, a settled environment), a copy once it moves
    /// on (a new run starts) before the comment is written. A copy for every environment would
    /// double what the server keeps per settled environment.
    indirect enum CommentContent {
        case current
        case snapshot(EnvironmentActivity)

        func activity(in activities: [EnvironmentKey: EnvironmentActivity], _ key: EnvironmentKey) -> EnvironmentActivity? {
            switch self {
            case .current: activities[key]
            case .snapshot(let activity): activity
            }
        }
    }

    /// Environments whose activity is kept; the least recently updated finished ones go first.
    static let keptActivities = 5_000

    let state = Mutex(State())
    /// The recent events the dashboard shows per environment.
    let journal = EnvironmentJournal()
    let reporter: StatusReporter
    let github: GitHubClient?
    let store: any StateStore
    let region: String?
    let commentInterval: TimeInterval
    let marker: PRCommentMarker
    let logger: Logger
    let now: @Sendable () -> Date

    /// - Parameters:
    ///   - github: nil without GitHub: no deployments and no comment (statuses go to the log).
    ///   - region: prenv's AWS region, for the resources' console links.
    ///   - secret: the webhook secret; the comment marker's key is derived from it (`PRCommentMarker`).
    ///   - commentInterval: seconds between two edits of one comment (`--comment-interval`).
    public init(reporter: StatusReporter, github: GitHubClient?, store: any StateStore, region: String?, secret: String,
                commentInterval: TimeInterval = EnvironmentPresence.defaultCommentInterval,
                logger: Logger = Logger(label: "prenv.presence"), now: @escaping @Sendable () -> Date = Date.init) {
        self.reporter = reporter
        self.github = github
        self.store = store
        self.region = region
        self.commentInterval = commentInterval
        marker = PRCommentMarker(secret: secret)
        self.logger = logger
        self.now = now
    }

    /// Ten seconds: a burst of finals (a push right after a ready) costs one edit, and a reader
    /// never waits long for the last word.
    public static let defaultCommentInterval: TimeInterval = 10

    /// Every environment's activity, for `/api/environments`.
    public func activities() -> [EnvironmentKey: EnvironmentActivity] {
        state.withLock { $0.activities }
    }

    /// The environment's deployment name on GitHub: `<blueprint>/pr-<n>`. Stable per PR and
    /// blueprint, so every push's deployment lands in one environment that GitHub's button follows;
    /// blueprint first, so GitHub's environment list groups one blueprint's PRs together. Blueprint
    /// names are `[a-z][a-z0-9-]{0,31}` and PR numbers digits: well within GitHub's 255 characters.
    public static func deploymentEnvironment(_ key: EnvironmentKey) -> String { "\(key.blueprint)/pr-\(key.pr)" }

    // MARK: Activity

    func update(_ key: EnvironmentKey, sha: String, headRef: String?, _ body: (inout EnvironmentActivity) -> Void) -> EnvironmentActivity {
        let time = now()
        return state.withLock { state in
            var activity = state.activities[key] ?? EnvironmentActivity(
                repository: key.repository, pr: key.pr, blueprint: key.blueprint, headSHA: sha, headRef: headRef ?? "",
                operation: nil, state: .provisioning, summary: "", resources: [], stages: [], previewURL: nil, expiresAt: nil,
                lastError: nil, updatedAt: time)
            activity.headSHA = sha
            if let headRef { activity.headRef = String(headRef.prefix(EnvironmentActivity.Limits.text)) }
            activity.updatedAt = time
            body(&activity)
            if case .current? = state.finals[key], let final = state.activities[key] { state.finals[key] = .snapshot(final) }
            state.activities[key] = activity
            if state.activities.count > state.evictAt { Self.evict(&state) }
            return activity
        }
    }

    /// Drops the least recently updated finished activities down to nine tenths of the bound, so
    /// the next pass is a tenth of the bound away; what may not be dropped stays, and moves the
    /// next pass as far past it.
    private static func evict(_ state: inout State) {
        let finished = state.activities.values.filter { $0.state.isFinal && state.commentDue[$0.key] == nil }
        let excess = state.activities.count - (keptActivities - keptActivities / 10)
        for old in finished.sorted(by: { $0.updatedAt < $1.updatedAt }).prefix(max(0, excess)) {
            state.activities[old.key] = nil
            state.finals[old.key] = nil
            state.lastCommentWrite[old.key] = nil
            state.lastCommentBody[old.key] = nil
        }
        state.evictAt = max(keptActivities, state.activities.count + keptActivities / 10)
        state.evictions += 1
    }

    /// An operation starts: an apply resets the resources and stages to what this run will do, and
    /// opens the commit's deployment (`in_progress`).
    func began(_ key: EnvironmentKey, sha: String, headRef: String, destroying: Bool, blueprint: Blueprint?, expiresAt: Date?) {
        journal.operationStarted(key, destroying: destroying, sha: sha, at: now())
        _ = update(key, sha: sha, headRef: headRef) { activity in
            activity.operation = destroying ? "destroy" : "apply"
            activity.state = destroying ? .destroying : .provisioning
            activity.summary = destroying ? "Tearing down" : "Provisioning \(blueprint?.resources.count ?? 0) resources"
            activity.lastError = nil
            activity.expiresAt = expiresAt
            guard !destroying else { return }
            activity.stages = []
            let previous = Dictionary(activity.resources.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            activity.resources = (blueprint?.resources ?? []).prefix(EnvironmentActivity.Limits.resources).map { spec in
                var resource = previous[spec.id] ?? EnvironmentActivity.Resource(id: spec.id, type: spec.type.rawValue, state: "pending")
                resource.state = "pending"
                return resource
            }
        }
        if !destroying {
            submitDeployment(key, sha: sha, state: .inProgress, description: "Provisioning at \(sha.prefix(7))", url: nil, priority: .intermediate)
        }
    }

    /// An operation's progress, as the narrator sees it.
    func progress(_ key: EnvironmentKey, sha: String, _ event: ProgressEvent) {
        let time = now()
        _ = update(key, sha: sha, headRef: nil) { activity in
            switch event {
            case .started(let node, let action, _):
                activity.record(node: node, type: nil, state: Self.running(action))
            case .progress:
                break
            case .succeeded(let node, let action, _):
                activity.record(node: node, type: nil, state: Self.done(action))
            case .failed(let node, _, let error, _):
                activity.record(node: node, type: nil, state: "failed")
                activity.lastError = String(Redaction.masked("\(node): \(error.phase.rawValue) failed: \(error.underlying)").prefix(EnvironmentActivity.Limits.error))
            case .skipped(let node, _, _):
                activity.record(node: node, type: nil, state: "skipped")
            case .cancelled(let node, _):
                activity.record(node: node, type: nil, state: "cancelled")
            case .stage(let update):
                activity.record(update, at: time)
            }
        }
    }

    static func running(_ action: PlanAction) -> String {
        switch action {
        case .create: "creating"
        case .update, .replace: "updating"
        case .delete: "deleting"
        case .noop: "checking"
        }
    }

    static func done(_ action: PlanAction) -> String {
        switch action {
        case .create: "created"
        case .update, .replace: "updated"
        case .delete: "deleted"
        case .noop: "unchanged"
        }
    }

    /// How an operation (or a decision that runs none) ended.
    struct Outcome: Sendable {
        var state: EnvironmentActivity.State
        var summary: String
        var record: EnvironmentRecord? = nil
        var previewURL: URL? = nil
        var error: String? = nil
        var expiresAt: Date?? = nil
    }

    /// A final state: the activity settles, the deployment ends (success, failure, or inactive for
    /// an environment that is gone) and the comment is (re)written.
    func ended(_ key: EnvironmentKey, sha: String, headRef: String?, _ outcome: Outcome) {
        journal.operationEnded(key, state: outcome.state, summary: outcome.summary, error: outcome.error, at: now())
        let region = region
        _ = update(key, sha: sha, headRef: headRef) { activity in
            activity.state = outcome.state
            activity.summary = String(outcome.summary.prefix(EnvironmentActivity.Limits.text))
            activity.adopt(outcome.record, region: region)
            if let error = outcome.error { activity.lastError = String(Redaction.masked(error).prefix(EnvironmentActivity.Limits.error)) }
            if let expiresAt = outcome.expiresAt { activity.expiresAt = expiresAt }
            switch outcome.state {
            case .ready: activity.previewURL = outcome.previewURL
            case .destroyed, .expired, .skipped: activity.previewURL = nil
            default: break
            }
        }
        switch outcome.state {
        case .ready:
            submitDeployment(key, sha: sha, state: .success, description: outcome.summary, url: outcome.previewURL, priority: .final)
        case .failed:
            submitDeployment(key, sha: sha, state: .failure, description: Redaction.masked(outcome.error ?? outcome.summary), url: nil, priority: .final)
        case .destroyed, .expired, .skipped:
            submitInactive(key, sha: sha, reason: outcome.summary)
        case .provisioning, .destroying, .superseded, .teardownFailed, .waitingForSlot:
            break
        }
        if outcome.state.isFinal, outcome.state != .superseded { scheduleComment(key, sha: sha) }
    }
}
