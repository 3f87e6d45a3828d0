import Blueprint
import Foundation

/// A blueprint read from the PR's repository changed under a live environment: a push to the base
/// branch edited or removed `.prenv/<file>` (see the supervisor's `+RepositoryBlueprints`). The
/// decision is the changed blueprint's for the PR as the machine last saw it (labels, fork), or a
/// skip saying why the blueprint is gone.
/// - A skip tears the environment down (nothing of a blueprint that no longer exists should run).
/// - Otherwise the head is applied again, with the new blueprint; a blueprint that comes back after
///   a removal brings its environment back. A running apply of the same head finishes first (it
///   read the blueprint before); the next event applies the new one.
/// - A closed PR, one held down by `/prenv destroy` and an expired environment stay as they are:
///   the person or rule that decided that is not overruled by an edit on the base branch.
extension EnvironmentStateMachine {
    mutating func blueprintChanged(_ decision: Decision) -> [Action] {
        if isClosed { return [.ignore(reason: "pull request closed")] }
        if heldDown != nil { return [.ignore(reason: "destroyed by /prenv destroy: waiting for a push or /prenv redeploy")] }
        if expiration != nil { return [.ignore(reason: "expired: waiting for a push")] }
        switch decision {
        case .skip(let reason):
            guard desired != nil || hasResources else { return [.ignore(reason: "nothing to tear down")] }
            return set(.absent(reason: reason))
        case .provision:
            guard let head = knownHead else { return [.ignore(reason: "no head seen yet")] }
            settled = nil  // apply again even when this head is already applied
            return set(.present(sha: head))
        }
    }
}
