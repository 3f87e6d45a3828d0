import Blueprint
import Foundation
import Orchestrator
import Testing

/// A repository blueprint edited or removed on the base branch under a live environment
/// (`.blueprintChanged`): rows of the same transition table as `StateMachineTests`.
private enum ChangeFixtures {
    typealias Event = EnvironmentStateMachine.Event
    typealias L = LifetimeFixtures

    static let removedReason = "blueprint preview is no longer defined in .prenv/ at main"
    static let removed = Event.blueprintChanged(.skip(reason: removedReason))
    static let edited = Event.blueprintChanged(.provision)
    static let ready = MachineFixtures.readyA
    static let applying: [Event] = MachineFixtures.provisioningA
    static let gone: [Event] = ready + [removed, .started(.destroy), .destroyFinished(success: true, reason: "", at: L.at(2))]
    static let closed: [Event] = ready + [.closed(sequence: 5), .started(.destroy), MachineFixtures.destroyed]
    static let heldDown: [Event] = ready + [.command(.destroy), .started(.destroy), .destroyFinished(success: true, reason: "", at: L.at(2))]
}

private typealias B = ChangeFixtures

private let blueprintChangeTable: [Transition] = [
    Transition(name: "idle (no head seen) → nothing to apply", when: B.edited, phase: .idle, actions: [.ignore(reason: "no head seen yet")]),
    Transition(name: "idle, removed → nothing to tear down", when: B.removed, phase: .idle, actions: [.ignore(reason: "nothing to tear down")]),
    Transition(name: "ready, edited → the same head applied again", given: B.ready, when: B.edited,
               phase: .provisioning(sha: "a"), actions: [.apply(sha: "a")]),
    Transition(name: "ready, removed → torn down, saying why", given: B.ready, when: B.removed,
               phase: .destroying, actions: [.destroy]),
    Transition(name: "…and skipped once down", given: B.ready + [B.removed, .started(.destroy)],
               when: .destroyFinished(success: true, reason: "", at: LifetimeFixtures.at(2)), phase: .skipped(reason: B.removedReason), actions: []),
    Transition(name: "removed, then back → applied again", given: B.gone, when: B.edited,
               phase: .provisioning(sha: "a"), actions: [.apply(sha: "a")]),
    Transition(name: "applying the head, edited → the running apply finishes first", given: B.applying, when: B.edited,
               phase: .provisioning(sha: "a"), actions: [.ignore(reason: "already queued or running")]),
    Transition(name: "applying, removed → the apply is cancelled", given: B.applying, when: B.removed,
               phase: .provisioning(sha: "a"), actions: [.cancelApply]),
    Transition(name: "closed → stays closed", given: B.closed, when: B.edited, phase: .destroyed, actions: [.ignore(reason: "pull request closed")]),
    Transition(name: "held down by /prenv destroy → stays down", given: B.heldDown, when: B.edited,
               phase: .skipped(reason: EnvironmentStateMachine.destroyedByCommand),
               actions: [.ignore(reason: "destroyed by /prenv destroy: waiting for a push or /prenv redeploy")]),
    Transition(name: "expired → stays expired", given: LifetimeFixtures.expired, when: B.edited,
               phase: .skipped(reason: LifetimeFixtures.reason), actions: [.ignore(reason: "expired: waiting for a push")]),
]

@Suite("EnvironmentStateMachine repository blueprint changes") struct StateMachineBlueprintChangeTests {
    @Test(arguments: blueprintChangeTable)
    func blueprintChange(_ row: Transition) throws { try row.verify() }
}
