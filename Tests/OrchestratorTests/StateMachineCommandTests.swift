import Blueprint
import Foundation
import Orchestrator
import Testing

/// `/prenv redeploy`, `/prenv destroy` and `/prenv keep` in every phase: rows of the same transition
/// table as `StateMachineTests` (the supervisor checked the commenter's permission before).
private enum CommandFixtures {
    typealias Event = EnvironmentStateMachine.Event
    typealias L = LifetimeFixtures

    static let destroyedReason = EnvironmentStateMachine.destroyedByCommand
    static let forkReason = "pull request comes from a fork and on.forks is skip"
    static let held = EnvironmentStateMachine.Action.ignore(reason: "destroyed by /prenv destroy: waiting for a push or /prenv redeploy")
    static let kept = EnvironmentStateMachine.Action.ignore(reason: "kept from expiry until the pull request closes")
    static let closedRefusal = EnvironmentStateMachine.Action.refuse(.pullRequestClosed)

    static func redeploy(at hours: Double = 100, _ decision: Decision = .provision) -> Event { .command(.redeploy(decision, at: L.at(hours))) }
    static func keep(at hours: Double = 100, _ decision: Decision = .provision) -> Event { .command(.keep(decision, at: L.at(hours))) }
    static let destroy = Event.command(.destroy)

    static let applying: [Event] = [L.opened, .started(.apply(sha: "a"))]
    static let ready = L.readyA
    static let failed: [Event] = applying + [.applyFinished(sha: "a", success: false, reason: "CreateProject: AccessDenied")]
    /// Destroyed by the command (teardown done).
    static let heldDown: [Event] = ready + [destroy, .started(.destroy), .destroyFinished(success: true, reason: "", at: L.at(2))]
    static let closedDestroying: [Event] = ready + [.closed(sequence: 5), .started(.destroy)]
    static let closed: [Event] = closedDestroying + [MachineFixtures.destroyed]
    static let waiting: [Event] = [L.limited, L.opened]
    static let forkSkipped: [Event] = [.opened(L.pr("a", 1, hours: 0), .skip(reason: forkReason))]

    /// A ready machine saved by the prenv before commands: no `isFork` (nor hold, keep) recorded.
    static let savedBeforeCommandsJSON = """
        {"cancelRequested":false,"desired":{"present":{"sha":"a"}},"hasResources":true,"isClosed":false,
         "lastAppliedSHA":"a","lastSequence":1,"phase":{"ready":{"sha":"a"}},"settled":{"present":{"sha":"a"}},
         "pushedHead":"a","labels":[],"slotRequired":false,"admitted":false}
        """
    // swiftlint:disable:next force_try
    static let savedBeforeCommands = try! JSONDecoder().decode(EnvironmentStateMachine.self, from: Data(savedBeforeCommandsJSON.utf8))
    static let forkUnknown = EnvironmentStateMachine.Action.refuse(.forkUnknown)
    /// The next push to the same PR (a fresh event), from a fork or not.
    static func pushed(_ sha: String, fork: Bool) -> Event {
        .synchronize(PRSnapshot(repository: "acme/webapp", headSHA: sha, isFork: fork, sequence: 2), fork ? .skip(reason: forkReason) : .provision)
    }
}

private typealias C = CommandFixtures
private typealias L = LifetimeFixtures

private let redeployTable: [Transition] = [
    Transition(name: "idle (no head seen) → refused", when: C.redeploy(), phase: .idle, actions: [.refuse(.headUnknown)]),
    Transition(name: "applying the head → nothing more", given: C.applying, when: C.redeploy(),
               phase: .provisioning(sha: "a"), actions: [.ignore(reason: "already queued or running")]),
    Transition(name: "ready → the same head applied again", given: C.ready, when: C.redeploy(), phase: .provisioning(sha: "a"), actions: [.apply(sha: "a")]),
    Transition(name: "failed → applied again", given: C.failed, when: C.redeploy(), phase: .provisioning(sha: "a"), actions: [.apply(sha: "a")]),
    Transition(name: "destroying after /prenv destroy → waits for the teardown", given: C.ready + [C.destroy, .started(.destroy)],
               when: C.redeploy(), phase: .destroying, actions: []),
    Transition(name: "…and applies once it ends", given: C.ready + [C.destroy, .started(.destroy), C.redeploy()],
               when: .destroyFinished(success: true, reason: "", at: L.at(3)), phase: .provisioning(sha: "a"), actions: [.apply(sha: "a")]),
    Transition(name: "destroyed by /prenv destroy → back", given: C.heldDown, when: C.redeploy(), phase: .provisioning(sha: "a"), actions: [.apply(sha: "a")]),
    Transition(name: "expired → back", given: L.expired, when: C.redeploy(), phase: .provisioning(sha: "a"), actions: [.apply(sha: "a")]),
    Transition(name: "expired, redeployed: expiry counts from the redeploy", given: L.expired + [C.redeploy(at: 100), .started(.apply(sha: "a")),
                                                                                             .applyFinished(sha: "a", success: true, reason: "")],
               when: L.check(171), phase: .ready(sha: "a"), actions: []),
    Transition(name: "waiting for a slot → keeps its place", given: C.waiting, when: C.redeploy(), phase: .idle, actions: []),
    Transition(name: "closed and destroyed → refused", given: C.closed, when: C.redeploy(), phase: .destroyed, actions: [C.closedRefusal]),
    Transition(name: "closed, destroying → refused", given: C.closedDestroying, when: C.redeploy(), phase: .destroying, actions: [C.closedRefusal]),
    Transition(name: "the blueprint skips the PR (a fork) → refused", given: C.forkSkipped,
               when: C.redeploy(at: 1, .skip(reason: C.forkReason)), phase: .skipped(reason: C.forkReason),
               actions: [.refuse(.skipped(reason: C.forkReason))]),
    Transition(name: "saved before prenv knew forks → refused until an event says", initial: C.savedBeforeCommands,
               when: C.redeploy(), phase: .ready(sha: "a"), actions: [C.forkUnknown]),
    Transition(name: "saved before prenv knew forks, even with a decision that provisions → refused", initial: C.savedBeforeCommands,
               when: C.redeploy(at: 1, .provision), phase: .ready(sha: "a"), actions: [C.forkUnknown]),
    Transition(name: "a skip label added since → refused, the environment stays", given: C.ready,
               when: C.redeploy(at: 1, MachineFixtures.skip), phase: .ready(sha: "a"), actions: [.refuse(.skipped(reason: "label no-preview is in on.skip_labels"))]),
]

private let destroyTable: [Transition] = [
    Transition(name: "idle → nothing to destroy, held down", when: C.destroy, phase: .skipped(reason: C.destroyedReason), actions: []),
    Transition(name: "applying → the apply is cancelled", given: C.applying, when: C.destroy, phase: .provisioning(sha: "a"), actions: [.cancelApply]),
    Transition(name: "…then destroyed", given: C.applying + [C.destroy], when: .applyFinished(sha: "a", success: false, reason: "cancelled"),
               phase: .destroying, actions: [.destroy]),
    Transition(name: "ready → destroyed", given: C.ready, when: C.destroy, phase: .destroying, actions: [.destroy]),
    Transition(name: "failed → destroyed", given: C.failed, when: C.destroy, phase: .destroying, actions: [.destroy]),
    Transition(name: "the teardown ends → skipped, saying why", given: C.ready + [C.destroy, .started(.destroy)],
               when: .destroyFinished(success: true, reason: "", at: L.at(2)), phase: .skipped(reason: C.destroyedReason), actions: []),
    Transition(name: "destroyed by the command: again → nothing", given: C.heldDown, when: C.destroy, phase: .skipped(reason: C.destroyedReason),
               actions: [.ignore(reason: "already destroyed by /prenv destroy")]),
    Transition(name: "held down: a label change does not bring it back", given: C.heldDown,
               when: .labeled(L.pr("a", 3, hours: 3, labels: ["keep-preview"]), .provision), phase: .skipped(reason: C.destroyedReason), actions: [C.held]),
    Transition(name: "held down: a redelivered opened does not", given: C.heldDown, when: L.opened, phase: .skipped(reason: C.destroyedReason),
               actions: [C.held]),
    Transition(name: "held down: GitHub's answer with the same head does not", given: C.heldDown,
               when: .gitHubAnswered(L.pr("a", 3, hours: 3), .provision, isOpen: true), phase: .skipped(reason: C.destroyedReason), actions: [C.held]),
    Transition(name: "held down and saved: a restart keeps it down", given: C.heldDown, restartAfterGiven: true,
               when: .synchronize(L.pr("a", 3, hours: 3), .provision), phase: .skipped(reason: C.destroyedReason), actions: [C.held]),
    Transition(name: "held down: a push brings it back", given: C.heldDown, when: .synchronize(L.pr("b", 3, hours: 3), .provision),
               phase: .provisioning(sha: "b"), actions: [.apply(sha: "b")]),
    Transition(name: "held down: closed → nothing left", given: C.heldDown, when: .closed(sequence: 9), phase: .destroyed,
               actions: [.ignore(reason: "nothing recorded to destroy")]),
    Transition(name: "expiring → the teardown goes on, now held down", given: L.expiring, when: C.destroy, phase: .destroying, actions: []),
    Transition(name: "expired → held down instead: a keep label no longer brings it back", given: L.expired + [C.destroy],
               when: .labeled(L.pr("a", 3, hours: 80, labels: ["keep-preview"]), .provision), phase: .skipped(reason: C.destroyedReason),
               actions: [C.held]),
    Transition(name: "waiting for a slot → leaves the queue", given: C.waiting, when: C.destroy, phase: .skipped(reason: C.destroyedReason), actions: []),
    Transition(name: "closed and destroyed → refused", given: C.closed, when: C.destroy, phase: .destroyed, actions: [C.closedRefusal]),
    Transition(name: "closed, destroying → refused", given: C.closedDestroying, when: C.destroy, phase: .destroying, actions: [C.closedRefusal]),
]

private let keepTable: [Transition] = [
    Transition(name: "idle, no event seen (fork unknown) → refused", when: C.keep(), phase: .idle, actions: [C.forkUnknown]),
    Transition(name: "saved before prenv knew forks → refused until an event says", initial: C.savedBeforeCommands,
               when: C.keep(), phase: .ready(sha: "a"), actions: [C.forkUnknown]),
    Transition(name: "applying → kept", given: C.applying, when: C.keep(), phase: .provisioning(sha: "a"), actions: [C.kept]),
    Transition(name: "ready → kept", given: C.ready, when: C.keep(), phase: .ready(sha: "a"), actions: [C.kept]),
    Transition(name: "kept: expiry never comes", given: C.ready + [C.keep(at: 1)], when: L.check(10_000), phase: .ready(sha: "a"), actions: []),
    Transition(name: "failed and kept: no expiry either", given: C.failed + [C.keep(at: 1)], when: L.check(10_000),
               phase: .failed(sha: "a", reason: "CreateProject: AccessDenied"), actions: []),
    Transition(name: "expired → back at once, like a keep label", given: L.expired, when: C.keep(), phase: .provisioning(sha: "a"), actions: [.apply(sha: "a")]),
    Transition(name: "expiring → back once the teardown ends", given: L.expiring + [C.keep()],
               when: .destroyFinished(success: true, reason: "", at: L.at(74)), phase: .provisioning(sha: "a"), actions: [.apply(sha: "a")]),
    Transition(name: "held down by /prenv destroy → stays down", given: C.heldDown, when: C.keep(), phase: .skipped(reason: C.destroyedReason),
               actions: [C.kept]),
    Transition(name: "waiting for a slot → kept, still waiting", given: C.waiting, when: C.keep(), phase: .idle, actions: [C.kept]),
    Transition(name: "the keep ends with the PR: reopened, it expires again",
               given: C.ready + [C.keep(at: 1), .closed(sequence: 5), .started(.destroy), MachineFixtures.destroyed,
                                 .reopened(L.pr("a", 6, hours: 80), .provision), .started(.apply(sha: "a")),
                                 .applyFinished(sha: "a", success: true, reason: "")],
               when: L.check(153), phase: .destroying, actions: [.destroy]),
    Transition(name: "closed → refused", given: C.closed, when: C.keep(), phase: .destroyed, actions: [C.closedRefusal]),
    Transition(name: "the blueprint skips the PR (a fork) → refused", given: C.forkSkipped,
               when: C.keep(at: 1, .skip(reason: C.forkReason)), phase: .skipped(reason: C.forkReason),
               actions: [.refuse(.skipped(reason: C.forkReason))]),
]

@Suite("EnvironmentStateMachine comment commands")
struct StateMachineCommandTests {
    @Test("/prenv redeploy", arguments: redeployTable)
    func redeploy(_ row: Transition) throws { try row.verify() }

    @Test("/prenv destroy", arguments: destroyTable)
    func destroy(_ row: Transition) throws { try row.verify() }

    @Test("/prenv keep", arguments: keepTable)
    func keep(_ row: Transition) throws { try row.verify() }

    @Test func theHoldAndTheKeepAreSavedWithTheMachine() throws {
        var machine = StateMachineExpiryTests.machine(C.heldDown + [C.keep()])
        #expect(machine.heldDown == .init(sha: "a") && machine.keptByCommand)
        let reloaded = try JSONDecoder().decode(EnvironmentStateMachine.self, from: JSONEncoder().encode(machine))
        #expect(reloaded == machine)
        machine = StateMachineExpiryTests.machine(C.forkSkipped.map { _ in .opened(PRSnapshot(repository: "acme/webapp", headSHA: "a", isFork: true, sequence: 1), .provision) })
        #expect(machine.isFork == true, "the fork flag comes from the last fresh event")
    }

    /// A machine saved by the prenv before commands: not held down, not kept, fork unknown (not
    /// "not a fork": that guess would let a fork PR's redeploy past `on.forks: skip`).
    @Test func aMachineSavedBeforeCommandsLoads() throws {
        var machine = try JSONDecoder().decode(EnvironmentStateMachine.self, from: Data(C.savedBeforeCommandsJSON.utf8))
        #expect(machine.heldDown == nil && !machine.keptByCommand && machine.isFork == nil)
        #expect(machine.handle(C.destroy) == [.destroy])
        #expect(machine.heldDown == .init(sha: "a"))
    }

    /// Unknown until a fresh event: then known, saved, and the commands act again.
    @Test func theForkFlagIsLearnedFromTheNextEventAndSaved() throws {
        var machine = C.savedBeforeCommands
        #expect(machine.handle(C.redeploy()) == [C.forkUnknown])
        _ = machine.handle(C.pushed("b", fork: false))
        #expect(machine.isFork == false)
        let reloaded = try JSONDecoder().decode(EnvironmentStateMachine.self, from: JSONEncoder().encode(machine))
        #expect(reloaded.isFork == false)
    }
}
