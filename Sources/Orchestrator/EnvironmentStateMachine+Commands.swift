import Blueprint
import Foundation

/// `/prenv` comment commands, after the supervisor checked that the commenter may write to the
/// repository. They act on the PR as the machine last saw it (a comment carries no head SHA):
/// - `redeploy` applies the current head again even when it is settled, and undoes a `destroy` or an
///   expiry; the blueprint's rules still hold, so a PR the blueprint skips (a fork under
///   `on.forks: skip`, a skip label) is refused. It restarts `expire.after`'s clock, as a push would.
/// - `destroy` tears the environment down now; it stays down (`heldDown`, saved with the machine)
///   until a push (a head other than the one it was destroyed at) or a `redeploy`. Label changes and
///   edits do not bring it back: the person who destroyed it said so explicitly.
/// - `keep` spares the environment from expiry until the PR closes, like a keep label; an expired
///   environment comes back at once, as it would when a keep label is added.
/// A closed PR refuses every command: closing already decides its environment's fate.
extension EnvironmentStateMachine {
    /// One command, with what it needs from the supervisor: the blueprint's decision for the PR now
    /// (so a changed blueprint counts) and the time, which `redeploy` restarts expiry's clock from.
    public enum Command: Sendable, Hashable {
        case redeploy(Decision, at: Date)
        case destroy
        case keep(Decision, at: Date)
    }

    /// Why a command did nothing. Typed, so the reply to the commenter is written from fixed text,
    /// never from a reason that may carry a branch or label name.
    public enum CommandRefusal: Sendable, Hashable {
        case pullRequestClosed
        /// No pull_request event told the machine the PR's head yet.
        case headUnknown
        /// Whether the PR comes from a fork is not known (a machine saved before prenv recorded it):
        /// the blueprint's fork rule cannot be checked until the next pull_request event.
        case forkUnknown
        /// The blueprint does not apply to the PR; `reason` is for the log only.
        case skipped(reason: String)
    }

    /// Destroyed by `/prenv destroy`: the head it was destroyed at (a different head brings it back).
    public struct HeldDown: Sendable, Hashable, Codable {
        public var sha: String?

        public init(sha: String?) { self.sha = sha }
    }

    /// The reason a commanded teardown gives (the skipped phase's and the status's text).
    public static let destroyedByCommand = "requested with /prenv destroy; push or comment /prenv redeploy to bring it back"

    /// The head the machine knows: the last pushed one, else the last applied.
    var knownHead: String? { pushedHead ?? lastAppliedSHA }

    mutating func obey(_ command: Command) -> [Action] {
        guard !isClosed else { return [.refuse(.pullRequestClosed)] }
        switch command {
        case .destroy:
            if heldDown != nil { return [.ignore(reason: "already destroyed by /prenv destroy")] }
            heldDown = HeldDown(sha: knownHead)
            expiration = nil  // the explicit hold replaces expiry's: a keep label must not undo it
            return set(.absent(reason: Self.destroyedByCommand))
        case .redeploy(let decision, let date):
            guard let head = knownHead else { return [.refuse(.headUnknown)] }
            guard isFork != nil else { return [.refuse(.forkUnknown)] }
            if case .skip(let reason) = decision { return [.refuse(.skipped(reason: reason))] }
            heldDown = nil
            expiration = nil
            pushedAt = date
            settled = nil  // apply again even when this head is already applied
            return set(.present(sha: head))
        case .keep(let decision, let date):
            guard isFork != nil else { return [.refuse(.forkUnknown)] }
            if case .skip(let reason) = decision { return [.refuse(.skipped(reason: reason))] }
            keptByCommand = true
            guard expiration != nil, let head = knownHead else {
                return [.ignore(reason: "kept from expiry until the pull request closes")]
            }
            expiration = nil
            pushedAt = date
            return set(.present(sha: head))
        }
    }

    /// While held down by `/prenv destroy`: nil (and no longer held) once the PR has a new head;
    /// otherwise the answer that nothing changes.
    mutating func staysHeldDown() -> [Action]? {
        guard let heldDown else { return nil }
        guard pushedHead == heldDown.sha else {
            self.heldDown = nil
            return nil
        }
        return [.ignore(reason: "destroyed by /prenv destroy: waiting for a push or /prenv redeploy")]
    }
}
