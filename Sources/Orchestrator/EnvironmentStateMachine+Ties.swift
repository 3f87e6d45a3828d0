import Blueprint

/// Ordering webhooks whose `updated_at` cannot order them.
///
/// `updated_at` has one-second resolution and deliveries arrive in any order, so within one second
/// arrival order means nothing: a `reopened` and a `closed` of the same second, applied in arrival
/// order, could leave an open PR without its environment for good. The machine therefore accepts a
/// second event of the `lastSequence` second only when it agrees with the first (same open/closed
/// state and same target: head SHA and decision); when it disagrees it holds it and asks
/// (`confirmWithGitHub`): GitHub's current view (`gitHubAnswered`) is the truth for that second. A
/// webhook of that second arriving after the answer and agreeing with it changes nothing; one that
/// disagrees (late, or an event later in the same second than the answer) is asked about again, so
/// the machine converges on what GitHub reports. Without a token (`gitHubUnavailable`) the held
/// event is applied in arrival order, as before. A webhook of a later second settles a tie itself.
extension EnvironmentStateMachine {
    /// What one webhook (or GitHub's answer) says the environment should be.
    public struct Observation: Sendable, Hashable, Codable {
        public var isClosed: Bool
        public var target: Desired

        public init(isClosed: Bool, target: Desired) {
            self.isClosed = isClosed
            self.target = target
        }

        /// An open PR at `pr.headSHA`, provisioned or skipped as `decision` says.
        public init(_ pr: PRSnapshot, _ decision: Decision) {
            switch decision {
            case .provision: self.init(isClosed: false, target: .present(sha: pr.headSHA))
            case .skip(let reason): self.init(isClosed: false, target: .absent(reason: reason))
            }
        }

        public static let closed = Observation(isClosed: true, target: .absent(reason: "pull request closed"))
    }

    /// A tie held for GitHub: the last-arrived event of the second (the arrival-order fallback) and
    /// whether any held event was a (re)open, which retries a failed apply if GitHub says open.
    public struct HeldObservation: Sendable, Hashable, Codable {
        public var observation: Observation
        public var reopens: Bool
    }

    /// A webhook event: stale ones are ignored, same-second disagreements held, the rest applied.
    mutating func receive(_ observation: Observation, at sequence: Int, reopens: Bool) -> [Action] {
        guard sequence >= lastSequence else { return [.ignore(reason: "stale event")] }
        if sequence == lastSequence, let held = unconfirmed {
            unconfirmed = HeldObservation(observation: observation, reopens: held.reopens || reopens)
            return [.confirmWithGitHub]
        }
        if sequence == lastSequence, let seen = lastObservation, seen != observation {
            unconfirmed = HeldObservation(observation: observation, reopens: reopens)
            return [.confirmWithGitHub]
        }
        lastSequence = sequence
        lastObservation = observation
        unconfirmed = nil  // a later second says where the PR went
        return apply(observation, reopens: reopens)
    }

    /// GitHub's view now. Older than a webhook already applied (a cached or lagging read), it
    /// changes nothing, except that a held tie then falls back to arrival order.
    mutating func gitHubAnswered(_ observation: Observation, at sequence: Int) -> [Action] {
        guard sequence >= lastSequence else {
            guard unconfirmed != nil else { return [.ignore(reason: "stale answer from GitHub")] }
            return gitHubUnavailable()
        }
        let reopens = unconfirmed?.reopens == true
        lastSequence = sequence
        lastObservation = observation
        unconfirmed = nil
        if observation.isClosed { return apply(observation, reopens: false) }
        // GitHub says open: a closed machine (a lost `reopened`) opens again; a failed apply is
        // retried only if a (re)open was among the held events, as that webhook would have.
        isClosed = false
        if reopens { settled = nil }
        if let unchanged = staysExpired() { return unchanged }
        if let unchanged = staysHeldDown() { return unchanged }
        return set(observation.target)
    }

    /// Applies the held event in arrival order: the best prenv can do without GitHub's answer.
    mutating func gitHubUnavailable() -> [Action] {
        guard let held = unconfirmed else { return [.ignore(reason: "no tie is waiting for GitHub")] }
        unconfirmed = nil
        lastObservation = held.observation
        return apply(held.observation, reopens: held.reopens)
    }
}
