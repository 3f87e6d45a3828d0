import Blueprint
import Foundation
import Orchestrator
import Testing

/// One line of the transition table: events that build the state, the event under test, and what
/// must follow.
struct Transition: Sendable, CustomTestStringConvertible {
    typealias Event = EnvironmentStateMachine.Event
    typealias Action = EnvironmentStateMachine.Action

    var name: String
    var initial = EnvironmentStateMachine()
    var given: [Event] = []
    var when: Event
    var phase: EnvironmentPhase
    var actions: [Action]

    var testDescription: String { name }
}

private let skip = Decision.skip(reason: "label no-preview is in on.skip_labels")
private let fork = Decision.skip(reason: "pull request comes from a fork and on.forks is skip")

private func pr(_ sha: String, _ sequence: Int, labels: [String] = []) -> PRSnapshot {
    PRSnapshot(repository: "acme/webapp", headSHA: sha, labels: labels, sequence: sequence)
}

private let opened = Transition.Event.opened(pr("a", 1), .provision)
private let readyA: [Transition.Event] = [opened, .applyFinished(sha: "a", success: true, reason: "")]
private let provisioningA: [Transition.Event] = [opened]

private let table: [Transition] = [
    // Opening
    Transition(name: "opened → apply", when: opened, phase: .provisioning(sha: "a"), actions: [.apply(sha: "a")]),
    Transition(name: "opened with skip decision → skipped, no actions", when: .opened(pr("a", 1), skip),
               phase: .skipped(reason: "label no-preview is in on.skip_labels"), actions: []),
    Transition(name: "fork PR follows the decision passed in", when: .opened(PRSnapshot(repository: "acme/webapp", headSHA: "a", isFork: true, sequence: 1), fork),
               phase: .skipped(reason: "pull request comes from a fork and on.forks is skip"), actions: []),
    Transition(name: "apply succeeded → ready", given: provisioningA, when: .applyFinished(sha: "a", success: true, reason: ""),
               phase: .ready(sha: "a"), actions: []),
    Transition(name: "apply failed → failed, not retried", given: provisioningA, when: .applyFinished(sha: "a", success: false, reason: "build: create failed"),
               phase: .failed(sha: "a", reason: "build: create failed"), actions: []),
    Transition(name: "duplicate opened (same sequence, same sha) → ignored", given: readyA, when: .synchronize(pr("a", 1), .provision),
               phase: .ready(sha: "a"), actions: [.ignore(reason: "already done")]),

    // Pushes
    Transition(name: "synchronize while ready → apply new sha", given: readyA, when: .synchronize(pr("b", 2), .provision),
               phase: .provisioning(sha: "b"), actions: [.apply(sha: "b")]),
    Transition(name: "synchronize while failed → apply new sha",
               given: provisioningA + [.applyFinished(sha: "a", success: false, reason: "x")], when: .synchronize(pr("b", 2), .provision),
               phase: .provisioning(sha: "b"), actions: [.apply(sha: "b")]),
    Transition(name: "synchronize while idle (missed the open) → apply", when: .synchronize(pr("b", 2), .provision),
               phase: .provisioning(sha: "b"), actions: [.apply(sha: "b")]),
    Transition(name: "synchronize while provisioning older sha → cancel, queue newest", given: provisioningA,
               when: .synchronize(pr("b", 2), .provision), phase: .provisioning(sha: "a"), actions: [.cancelApply]),
    Transition(name: "two pushes while applying → one cancel, the last one queued", given: provisioningA + [.synchronize(pr("b", 2), .provision)],
               when: .synchronize(pr("c", 3), .provision), phase: .provisioning(sha: "a"), actions: []),
    Transition(name: "superseded apply finishes → the newest queued sha starts",
               given: provisioningA + [.synchronize(pr("b", 2), .provision), .synchronize(pr("c", 3), .provision)],
               when: .applyFinished(sha: "a", success: false, reason: "cancelled"), phase: .provisioning(sha: "c"), actions: [.apply(sha: "c")]),
    Transition(name: "superseded apply that happened to succeed still starts the queued sha",
               given: provisioningA + [.synchronize(pr("b", 2), .provision)],
               when: .applyFinished(sha: "a", success: true, reason: ""), phase: .provisioning(sha: "b"), actions: [.apply(sha: "b")]),
    Transition(name: "older push (lower sequence) → ignored as stale", given: readyA + [.synchronize(pr("c", 3), .provision)],
               when: .synchronize(pr("b", 2), .provision), phase: .provisioning(sha: "c"), actions: [.ignore(reason: "stale event")]),
    Transition(name: "same sha as the one applying → ignored", given: provisioningA, when: .synchronize(pr("a", 2), .provision),
               phase: .provisioning(sha: "a"), actions: [.ignore(reason: "already queued or running")]),
    Transition(name: "applyFinished for a sha not running → ignored", given: readyA, when: .applyFinished(sha: "z", success: true, reason: ""),
               phase: .ready(sha: "a"), actions: [.ignore(reason: "no apply of z is running")]),

    // Closing
    Transition(name: "closed while ready → destroy", given: readyA, when: .closed(sequence: 5), phase: .destroying, actions: [.destroy]),
    Transition(name: "close arrives while provisioning → cancel, destroy queued", given: provisioningA, when: .closed(sequence: 5),
               phase: .provisioning(sha: "a"), actions: [.cancelApply]),
    Transition(name: "cancelled apply finishes after close → destroy", given: provisioningA + [.closed(sequence: 5)],
               when: .applyFinished(sha: "a", success: false, reason: "cancelled"), phase: .destroying, actions: [.destroy]),
    Transition(name: "destroy succeeded after close → destroyed", given: readyA + [.closed(sequence: 5)],
               when: .destroyFinished(success: true, reason: ""), phase: .destroyed, actions: []),
    Transition(name: "destroy failed → failed, not retried", given: readyA + [.closed(sequence: 5)],
               when: .destroyFinished(success: false, reason: "pipeline: delete failed"),
               phase: .failed(sha: "a", reason: "destroy failed: pipeline: delete failed"), actions: []),
    Transition(name: "closed while idle → nothing to destroy", when: .closed(sequence: 5), phase: .destroyed,
               actions: [.ignore(reason: "nothing recorded to destroy")]),
    Transition(name: "closed while skipped → nothing to destroy", given: [.opened(pr("a", 1), skip)], when: .closed(sequence: 5),
               phase: .destroyed, actions: [.ignore(reason: "nothing recorded to destroy")]),
    Transition(name: "closed while idle with recorded resources → destroy", initial: EnvironmentStateMachine(hasRecordedResources: true),
               when: .closed(sequence: 5), phase: .destroying, actions: [.destroy]),
    Transition(name: "push after close → ignored", given: readyA + [.closed(sequence: 5)], when: .synchronize(pr("b", 6), .provision),
               phase: .destroying, actions: [.ignore(reason: "pull request is closed")]),
    Transition(name: "stale close (before a reopen) → ignored", given: readyA + [.closed(sequence: 5), .destroyFinished(success: true, reason: ""), .reopened(pr("a", 7), .provision)],
               when: .closed(sequence: 5), phase: .provisioning(sha: "a"), actions: [.ignore(reason: "stale event")]),
    Transition(name: "reopened after destroyed → apply", given: readyA + [.closed(sequence: 5), .destroyFinished(success: true, reason: "")],
               when: .reopened(pr("a", 6), .provision), phase: .provisioning(sha: "a"), actions: [.apply(sha: "a")]),
    Transition(name: "reopened while destroying → apply after the destroy", given: readyA + [.closed(sequence: 5)],
               when: .reopened(pr("a", 6), .provision), phase: .destroying, actions: []),
    Transition(name: "destroy finishes with a reopen queued → apply", given: readyA + [.closed(sequence: 5), .reopened(pr("a", 6), .provision)],
               when: .destroyFinished(success: true, reason: ""), phase: .provisioning(sha: "a"), actions: [.apply(sha: "a")]),

    // Labels and decision changes
    Transition(name: "skip label added while ready → destroy", given: readyA, when: .labeled(pr("a", 2, labels: ["no-preview"]), skip),
               phase: .destroying, actions: [.destroy]),
    Transition(name: "skip-label destroy finished → skipped", given: readyA + [.labeled(pr("a", 2, labels: ["no-preview"]), skip)],
               when: .destroyFinished(success: true, reason: ""), phase: .skipped(reason: "label no-preview is in on.skip_labels"), actions: []),
    Transition(name: "skip label removed → apply", given: [.opened(pr("a", 1, labels: ["no-preview"]), skip)],
               when: .unlabeled(pr("a", 2), .provision), phase: .provisioning(sha: "a"), actions: [.apply(sha: "a")]),
    Transition(name: "skip label added while provisioning → cancel, destroy queued", given: provisioningA,
               when: .labeled(pr("a", 2, labels: ["no-preview"]), skip), phase: .provisioning(sha: "a"), actions: [.cancelApply]),
    Transition(name: "skip label removed while its destroy runs → apply afterwards",
               given: readyA + [.labeled(pr("a", 2, labels: ["no-preview"]), skip)], when: .unlabeled(pr("a", 3), .provision),
               phase: .destroying, actions: []),
    Transition(name: "skip label removed during its destroy → apply once the destroy ends",
               given: readyA + [.labeled(pr("a", 2, labels: ["no-preview"]), skip), .unlabeled(pr("a", 3), .provision)],
               when: .destroyFinished(success: true, reason: ""), phase: .provisioning(sha: "a"), actions: [.apply(sha: "a")]),
    Transition(name: "skip label removed during a destroy that fails → apply anyway (it adopts what is left)",
               given: readyA + [.labeled(pr("a", 2, labels: ["no-preview"]), skip), .unlabeled(pr("a", 3), .provision)],
               when: .destroyFinished(success: false, reason: "DeleteStack: AccessDenied"), phase: .provisioning(sha: "a"),
               actions: [.apply(sha: "a")]),
    Transition(name: "unrelated label while ready → ignored", given: readyA, when: .labeled(pr("a", 2, labels: ["bug"]), .provision),
               phase: .ready(sha: "a"), actions: [.ignore(reason: "already done")]),
    Transition(name: "push to a skipped PR stays skipped", given: [.opened(pr("a", 1), skip)], when: .synchronize(pr("b", 2), skip),
               phase: .skipped(reason: "label no-preview is in on.skip_labels"), actions: [.ignore(reason: "already done")]),
    Transition(name: "destroyFinished with no destroy running → ignored", given: readyA, when: .destroyFinished(success: true, reason: ""),
               phase: .ready(sha: "a"), actions: [.ignore(reason: "no destroy is running")]),
]

@Suite("EnvironmentStateMachine")
struct StateMachineTests {
    @Test("transition table", arguments: table)
    func transition(_ row: Transition) {
        var machine = row.initial
        for event in row.given { _ = machine.handle(event) }
        let actions = machine.handle(row.when)
        #expect(actions == row.actions)
        #expect(machine.phase == row.phase)
    }

    @Test("the machine is Codable, so a worker can persist it between events")
    func codable() throws {
        var machine = EnvironmentStateMachine()
        _ = machine.handle(.opened(pr("a", 1), .provision))
        _ = machine.handle(.synchronize(pr("b", 2), .provision))
        let data = try JSONEncoder().encode(machine)
        let decoded = try JSONDecoder().decode(EnvironmentStateMachine.self, from: data)
        #expect(decoded == machine)
        #expect(decoded.queued == .present(sha: "b"))
    }
}

/// What `prenv serve` asks of the machine after a restart (`resumeAfterRestart`) and from its
/// reconciler (`retry`): given events, then the call, then the actions.
@Suite("EnvironmentStateMachine restart and retry")
struct StateMachineResumeTests {
    static func machine(_ events: [Transition.Event]) -> EnvironmentStateMachine {
        var machine = EnvironmentStateMachine()
        for event in events { _ = machine.handle(event) }
        return machine
    }

    @Test func restartMidApplyAppliesAgain() {
        var machine = Self.machine(provisioningA)
        #expect(machine.resumeAfterRestart() == [.apply(sha: "a")])
        #expect(machine.running == .apply(sha: "a"))
    }

    @Test func restartMidTeardownOfAClosedPRDestroysAgain() {
        var machine = Self.machine(readyA + [.closed(sequence: 5)])
        #expect(machine.resumeAfterRestart() == [.destroy])
    }

    @Test func restartMidTeardownAfterTheSkipLabelWasRemovedAppliesAgain() {
        var machine = Self.machine(readyA + [.labeled(pr("a", 2, labels: ["no-preview"]), skip), .unlabeled(pr("a", 3), .provision)])
        #expect(machine.resumeAfterRestart() == [.apply(sha: "a")])
    }

    @Test func restartWithCancelledApplyAndCloseQueuedDestroys() {
        var machine = Self.machine(provisioningA + [.closed(sequence: 5)])
        #expect(machine.cancelRequested)
        #expect(machine.resumeAfterRestart() == [.destroy])
        #expect(!machine.cancelRequested)
    }

    @Test func restartWithNothingRunningDoesNothing() {
        var machine = Self.machine(readyA)
        #expect(machine.resumeAfterRestart() == [])
        #expect(machine.phase == .ready(sha: "a"))
    }

    @Test func retryAfterAFailedTeardownDestroysAgainButNeverWhileRunning() {
        var failed = Self.machine(readyA + [.closed(sequence: 5), .destroyFinished(success: false, reason: "DeleteStack: Throttling")])
        #expect(failed.retry() == [.destroy])
        #expect(failed.retry() == [], "the retried destroy is running")
    }
}
