import Blueprint
import Foundation

/// The lifecycle of one PR environment as a pure state machine: events in, actions out, no I/O, no
/// clock (time arrives inside the events that need it). The per-PR worker feeds it webhook events,
/// the starts and ends of the operations it asked for and the reconciler's periodic checks, and does
/// what it returns; every transition is a line in the table tests.
///
/// The machine tracks what the environment should be (`desired`), what is running, and what the last
/// finished operation aimed at (`settled`). After every event it reconciles: one operation at a time,
/// a running apply that no longer matches `desired` is cancelled (or, if the caller has not started it
/// yet, dropped), and the next operation starts when the running one reports back. So two pushes
/// during an apply coalesce into one apply of the newest SHA, and a close during an apply cancels it
/// and destroys afterwards. A failed apply is not retried on its own (no loops): a new push, a reopen
/// or a label change tries again; only one that failed transiently (throttling, 5xx) is retried a few
/// times with a backoff (`ApplyRetry`). A failed teardown is retried by the periodic check with a backoff,
/// because resources left behind cost money.
///
/// Everything a decision needs is stored here, so saving the machine (in `WorkerRecord`) is enough
/// for a restarted worker to carry on, backoff included.
public struct EnvironmentStateMachine: Sendable, Hashable, Codable {
    public internal(set) var phase: EnvironmentPhase
    public internal(set) var desired: Desired?
    /// The operation asked for: started by the caller once `runningHasStarted`, else only queued.
    public internal(set) var running: Running?
    /// False from the moment the machine asks for `running` until the caller reports `.started`. The
    /// caller saves the machine before starting anything, so in between several events can arrive
    /// (one batch of webhooks); an apply superseded in that window is dropped, never run.
    public internal(set) var runningHasStarted = false
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
    /// Teardowns failed in a row; nil once a destroy or an apply succeeds.
    public internal(set) var teardownBackoff: TeardownBackoff?
    /// Set while an apply that failed transiently (throttling, 5xx) waits to be tried again.
    public internal(set) var applyRetry: ApplyRetry?
    /// How things stood when the apply in `running` was asked for, until it starts: an apply
    /// superseded before it starts never ran, so dropping it restores the phase (not "failed": a
    /// ready environment is still ready).
    public internal(set) var askedFrom: AskedFrom?
    /// What the webhook accepted at `lastSequence` said, so a second webhook of the same
    /// `updated_at` second that disagrees is recognised as a tie arrival order cannot settle.
    public internal(set) var lastObservation: Observation?
    /// A same-second disagreement waiting for GitHub's answer (`confirmWithGitHub`); holds the
    /// last-arrived event, applied only if GitHub cannot be asked.
    public internal(set) var unconfirmed: HeldObservation?
    /// The head commit the PR was last seen at, and when it was pushed (the time of the first
    /// fresh event carrying it): what `expire.after` counts from. Nil for machines saved before
    /// expiry existed, until the next event names a head.
    public internal(set) var pushedHead: String?
    public internal(set) var pushedAt: Date?
    /// The PR's labels as of the last fresh event: a keep label spares it from expiry.
    public internal(set) var labels: [String] = []
    /// Set while the environment is expired (see `EnvironmentStateMachine+Expiry`).
    public internal(set) var expiration: Expiration?
    /// Whether the blueprint caps its live environments, so this one needs a slot before it gets
    /// resources (see `EnvironmentStateMachine+Slots`).
    public internal(set) var slotRequired = false
    /// While waiting for a slot: the sequence of the event that made it wait, its place in the queue.
    public internal(set) var waitingSince: Int?
    /// A slot was granted and not yet given back (given back once no resources remain).
    public internal(set) var admitted = false
    /// Whether the PR's head lives in a fork, as of the last fresh event: a command re-decides the
    /// blueprint's rules (`on.forks`) without a webhook in hand. Nil while unknown (no event yet, or a
    /// machine saved by a prenv that did not record it): `redeploy` and `keep` are then refused until
    /// a fresh event says, since guessing "not a fork" would let a fork PR past `on.forks: skip`.
    public internal(set) var isFork: Bool?
    /// Set by `/prenv destroy` until a push or `/prenv redeploy` (see `EnvironmentStateMachine+Commands`).
    public internal(set) var heldDown: HeldDown?
    /// Set by `/prenv keep`: spared from expiry until the PR closes.
    public internal(set) var keptByCommand = false

    /// - Parameter hasRecordedResources: true when the store holds a record with live nodes, e.g.
    ///   after a restart, so that a close destroys them even though this machine never applied.
    public init(phase: EnvironmentPhase = .idle, hasRecordedResources: Bool = false) {
        self.phase = phase
        hasResources = hasRecordedResources
    }

    /// What the machine would do next if nothing else happened: the operation waiting behind the
    /// running one, if any.
    public var queued: Desired? {
        guard running != nil, let desired else { return nil }
        if case .apply(let sha) = running, desired == .present(sha: sha) { return nil }
        if running == .destroy, case .absent = desired { return nil }
        return desired
    }

    /// The operation the caller should start once the machine is saved; nil when nothing is asked
    /// for or it already runs.
    public var awaitingStart: Running? { runningHasStarted ? nil : running }

    /// Whether an event with this sequence would be accepted rather than ignored as stale: the
    /// caller keeps the PR details of fresh events only.
    public func isFresh(_ sequence: Int) -> Bool { sequence >= lastSequence }

    /// A webhook event (with the blueprint's `Decision` for the PR as it is now, so the machine needs no
    /// blueprint), the start or end of an operation the machine asked for, or a periodic check.
    public enum Event: Sendable, Hashable {
        case opened(PRSnapshot, Decision)
        case reopened(PRSnapshot, Decision)
        /// A new head commit was pushed.
        case synchronize(PRSnapshot, Decision)
        case labeled(PRSnapshot, Decision)
        case unlabeled(PRSnapshot, Decision)
        case closed(sequence: Int)
        /// GitHub's own view of the PR now (`GET /repos/{o}/{r}/pulls/{n}`), its `updated_at` as the
        /// snapshot's sequence: the truth for that second, whatever order its webhooks arrived in.
        case gitHubAnswered(PRSnapshot, Decision, isOpen: Bool)
        /// GitHub cannot be asked (no token): a held tie falls back to arrival order.
        case gitHubUnavailable
        /// The caller started the operation (after saving the machine that asked for it).
        case started(Running)
        /// `reason` describes a failure (or "cancelled"); ignored on success. `transient`: the failure
        /// was only a service briefly unavailable (`ExecutionResult.failedTransiently`), so the
        /// periodic check tries the apply again (`ApplyRetry`), the first time 10 s after `at` (when it
        /// ended; without it, after the first periodic check that sees the failure).
        case applyFinished(sha: String, success: Bool, reason: String, transient: Bool = false, at: Date? = nil)
        /// `at` is when it ended: a failure's backoff counts from then.
        case destroyFinished(success: Bool, reason: String, at: Date)
        /// The reconciler's pass at `now`: a failed teardown whose backoff is over is retried, and,
        /// under the blueprint's `expiry` rule, an environment without a push for too long is destroyed.
        case periodicCheck(now: Date, expiry: Expiry? = nil)
        /// Whether the blueprint caps its live environments (`limits.max_environments`): given to a
        /// new machine and again at every start, since the blueprint may have changed.
        case slotsLimited(Bool)
        /// The supervisor granted the waiting environment a slot (`waitForSlot`).
        case admitted
        /// A `/prenv` comment command from someone allowed to write (see `EnvironmentStateMachine+Commands`).
        case command(Command)
        /// The environment's repository blueprint changed or is gone (`+BlueprintChange`).
        case blueprintChanged(Decision)
    }

    /// What the caller must do; the machine itself does no I/O.
    public enum Action: Sendable, Hashable {
        /// Save the machine, then plan and apply the blueprint at `sha` (see `awaitingStart`).
        case apply(sha: String)
        /// Cancel the running apply's task; its `applyFinished` then starts what is queued.
        case cancelApply
        /// Save the machine, then destroy the environment from its record (see `awaitingStart`).
        case destroy
        /// The event changed nothing; `reason` is for the log.
        case ignore(reason: String)
        /// Webhooks of one `updated_at` second disagree (open or closed, head, labels): ask GitHub
        /// and report its answer as `gitHubAnswered`, or `gitHubUnavailable` without a token.
        case confirmWithGitHub
        /// The environment needs a slot of its blueprint's cap before it may get resources: queue it
        /// (by `waitingSince`) and send `admitted` when a slot is free.
        case waitForSlot
        /// A command was refused; the caller tells the commenter why (nothing else changed).
        case refuse(CommandRefusal)
    }

    /// What the environment should look like once the running operation (if any) is done.
    public enum Desired: Sendable, Hashable, Codable {
        case present(sha: String)
        case absent(reason: String)
    }

    /// The part of the machine an apply changes when it is asked for (see `askedFrom`).
    public struct AskedFrom: Sendable, Hashable, Codable {
        public var phase: EnvironmentPhase
        public var lastAppliedSHA: String?
    }

    /// The operation the caller is running (or is to start) on the machine's behalf.
    public enum Running: Sendable, Hashable, Codable {
        case apply(sha: String)
        case destroy
    }
}

extension EnvironmentStateMachine {
    /// Written by hand so that records saved by an older prenv still load: fields added since
    /// (`runningHasStarted`, `teardownBackoff`, the tie fields, expiry, slots and commands) default to
    /// "not started", "no failures", "push time unknown" (it never expires before its next push), "no
    /// cap", fork unknown (commands that need it wait for the next event), "not held down" and "not kept".
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        phase = try container.decode(EnvironmentPhase.self, forKey: .phase)
        desired = try container.decodeIfPresent(Desired.self, forKey: .desired)
        running = try container.decodeIfPresent(Running.self, forKey: .running)
        runningHasStarted = try container.decodeIfPresent(Bool.self, forKey: .runningHasStarted) ?? false
        cancelRequested = try container.decode(Bool.self, forKey: .cancelRequested)
        settled = try container.decodeIfPresent(Desired.self, forKey: .settled)
        hasResources = try container.decode(Bool.self, forKey: .hasResources)
        isClosed = try container.decode(Bool.self, forKey: .isClosed)
        lastAppliedSHA = try container.decodeIfPresent(String.self, forKey: .lastAppliedSHA)
        lastSequence = try container.decode(Int.self, forKey: .lastSequence)
        teardownBackoff = try container.decodeIfPresent(TeardownBackoff.self, forKey: .teardownBackoff)
        applyRetry = try container.decodeIfPresent(ApplyRetry.self, forKey: .applyRetry)
        askedFrom = try container.decodeIfPresent(AskedFrom.self, forKey: .askedFrom)
        lastObservation = try container.decodeIfPresent(Observation.self, forKey: .lastObservation)
        unconfirmed = try container.decodeIfPresent(HeldObservation.self, forKey: .unconfirmed)
        pushedHead = try container.decodeIfPresent(String.self, forKey: .pushedHead)
        pushedAt = try container.decodeIfPresent(Date.self, forKey: .pushedAt)
        labels = try container.decodeIfPresent([String].self, forKey: .labels) ?? []
        expiration = try container.decodeIfPresent(Expiration.self, forKey: .expiration)
        slotRequired = try container.decodeIfPresent(Bool.self, forKey: .slotRequired) ?? false
        waitingSince = try container.decodeIfPresent(Int.self, forKey: .waitingSince)
        admitted = try container.decodeIfPresent(Bool.self, forKey: .admitted) ?? false
        isFork = try container.decodeIfPresent(Bool.self, forKey: .isFork)
        heldDown = try container.decodeIfPresent(HeldDown.self, forKey: .heldDown)
        keptByCommand = try container.decodeIfPresent(Bool.self, forKey: .keptByCommand) ?? false
    }
}
