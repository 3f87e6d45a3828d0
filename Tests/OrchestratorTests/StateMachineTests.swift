import Blueprint
import Foundation
import Orchestrator
import Testing

/// One line of the transition table: events that build the state, the event under test, and what
/// must follow. With `restartAfterGiven`, the machine built by `given` is saved, loaded and resumed
/// as a restarted worker would be before `when` arrives.
extension Transition {
    /// Plays `given` (restarting from the saved machine if asked), then `when`, and checks the
    /// actions and phase: one way to run a row for every table.
    func verify(sourceLocation: SourceLocation = #_sourceLocation) throws {
        var machine = initial
        for event in given { _ = machine.handle(event) }
        if restartAfterGiven {
            machine = try JSONDecoder().decode(EnvironmentStateMachine.self, from: JSONEncoder().encode(machine))
            _ = machine.resumeAfterRestart()
        }
        let actions = machine.handle(when)
        #expect(actions == self.actions, sourceLocation: sourceLocation)
        #expect(machine.phase == phase, sourceLocation: sourceLocation)
    }
}

struct Transition: Sendable, CustomTestStringConvertible {
    typealias Event = EnvironmentStateMachine.Event
    typealias Action = EnvironmentStateMachine.Action

    var name: String
    var initial = EnvironmentStateMachine()
    var given: [Event] = []
    var restartAfterGiven = false
    var when: Event
    var phase: EnvironmentPhase
    var actions: [Action]

    var testDescription: String { name }
}

/// The states the table and the restart tests start from.
enum MachineFixtures {
    typealias Event = EnvironmentStateMachine.Event

    static let skip = Decision.skip(reason: "label no-preview is in on.skip_labels")

    static func pr(_ sha: String, _ sequence: Int, labels: [String] = []) -> PRSnapshot {
        PRSnapshot(repository: "acme/webapp", headSHA: sha, labels: labels, sequence: sequence)
    }

    static let opened = Event.opened(pr("a", 1), .provision)
    /// The apply of `a` asked for and started by the caller.
    static let provisioningA: [Event] = [opened, .started(.apply(sha: "a"))]
    static let readyA: [Event] = provisioningA + [.applyFinished(sha: "a", success: true, reason: "")]

    /// When the first teardown fails; a fixed instant, since the machine never reads a clock.
    static let t0 = Date(timeIntervalSinceReferenceDate: 800_000_000)
    static let destroyed = Event.destroyFinished(success: true, reason: "", at: t0)

    /// PR closed while ready at `a`, then `count` teardowns failed in a row, each retry started by
    /// the periodic check as soon as it was due and failing 10 s later. Also returns when the last
    /// failure was, which the next backoff counts from.
    static func failingTeardowns(_ count: Int) -> (events: [Event], lastFailure: Date) {
        var failure = t0
        var events = readyA + [.closed(sequence: 5), .started(.destroy),
                               .destroyFinished(success: false, reason: "DeleteStack: Throttling", at: failure)]
        for failures in 1 ..< max(count, 1) {
            let retry = failure.addingTimeInterval(TeardownBackoff.delay(afterFailures: failures))
            failure = retry.addingTimeInterval(10)
            events += [.periodicCheck(now: retry), .started(.destroy),
                       .destroyFinished(success: false, reason: "DeleteStack: Throttling", at: failure)]
        }
        return (events, failure)
    }

    static let teardownFailed = EnvironmentPhase.failed(sha: "a", reason: "destroy failed: DeleteStack: Throttling")

    /// What the periodic check says before the retry is due.
    static func notDue(before date: Date) -> [EnvironmentStateMachine.Action] {
        [.ignore(reason: "teardown retry not due before \(date.ISO8601Format())")]
    }
}

private typealias F = MachineFixtures
private let skip = F.skip
private let fork = Decision.skip(reason: "pull request comes from a fork and on.forks is skip")
private func pr(_ sha: String, _ sequence: Int, labels: [String] = []) -> PRSnapshot { F.pr(sha, sequence, labels: labels) }
private let opened = F.opened
private let provisioningA = F.provisioningA
private let readyA = F.readyA
private let t0 = F.t0
private let destroyed = F.destroyed
private let oneFailure = F.failingTeardowns(1)
private let twoFailures = F.failingTeardowns(2)
private let sevenFailures = F.failingTeardowns(7)
private let tenFailures = F.failingTeardowns(10)

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
               when: destroyed, phase: .destroyed, actions: []),
    Transition(name: "destroy failed → failed, not retried", given: readyA + [.closed(sequence: 5)],
               when: .destroyFinished(success: false, reason: "pipeline: delete failed", at: t0),
               phase: .failed(sha: "a", reason: "destroy failed: pipeline: delete failed"), actions: []),
    Transition(name: "closed while idle → nothing to destroy", when: .closed(sequence: 5), phase: .destroyed,
               actions: [.ignore(reason: "nothing recorded to destroy")]),
    Transition(name: "closed while skipped → nothing to destroy", given: [.opened(pr("a", 1), skip)], when: .closed(sequence: 5),
               phase: .destroyed, actions: [.ignore(reason: "nothing recorded to destroy")]),
    Transition(name: "closed while idle with recorded resources → destroy", initial: EnvironmentStateMachine(hasRecordedResources: true),
               when: .closed(sequence: 5), phase: .destroying, actions: [.destroy]),
    Transition(name: "push after close → ignored", given: readyA + [.closed(sequence: 5)], when: .synchronize(pr("b", 6), .provision),
               phase: .destroying, actions: [.ignore(reason: "pull request is closed")]),
    Transition(name: "stale close (before a reopen) → ignored", given: readyA + [.closed(sequence: 5), destroyed, .reopened(pr("a", 7), .provision)],
               when: .closed(sequence: 5), phase: .provisioning(sha: "a"), actions: [.ignore(reason: "stale event")]),
    Transition(name: "reopened after destroyed → apply", given: readyA + [.closed(sequence: 5), destroyed],
               when: .reopened(pr("a", 6), .provision), phase: .provisioning(sha: "a"), actions: [.apply(sha: "a")]),
    Transition(name: "reopened while destroying → apply after the destroy", given: readyA + [.closed(sequence: 5)],
               when: .reopened(pr("a", 6), .provision), phase: .destroying, actions: []),
    Transition(name: "destroy finishes with a reopen queued → apply", given: readyA + [.closed(sequence: 5), .reopened(pr("a", 6), .provision)],
               when: destroyed, phase: .provisioning(sha: "a"), actions: [.apply(sha: "a")]),

    // Labels and decision changes
    Transition(name: "skip label added while ready → destroy", given: readyA, when: .labeled(pr("a", 2, labels: ["no-preview"]), skip),
               phase: .destroying, actions: [.destroy]),
    Transition(name: "skip-label destroy finished → skipped", given: readyA + [.labeled(pr("a", 2, labels: ["no-preview"]), skip)],
               when: destroyed, phase: .skipped(reason: "label no-preview is in on.skip_labels"), actions: []),
    Transition(name: "skip label removed → apply", given: [.opened(pr("a", 1, labels: ["no-preview"]), skip)],
               when: .unlabeled(pr("a", 2), .provision), phase: .provisioning(sha: "a"), actions: [.apply(sha: "a")]),
    Transition(name: "skip label added while provisioning → cancel, destroy queued", given: provisioningA,
               when: .labeled(pr("a", 2, labels: ["no-preview"]), skip), phase: .provisioning(sha: "a"), actions: [.cancelApply]),
    Transition(name: "skip label removed while its destroy runs → apply afterwards",
               given: readyA + [.labeled(pr("a", 2, labels: ["no-preview"]), skip)], when: .unlabeled(pr("a", 3), .provision),
               phase: .destroying, actions: []),
    Transition(name: "skip label removed during its destroy → apply once the destroy ends",
               given: readyA + [.labeled(pr("a", 2, labels: ["no-preview"]), skip), .unlabeled(pr("a", 3), .provision)],
               when: destroyed, phase: .provisioning(sha: "a"), actions: [.apply(sha: "a")]),
    Transition(name: "skip label removed during a destroy that fails → apply anyway (it adopts what is left)",
               given: readyA + [.labeled(pr("a", 2, labels: ["no-preview"]), skip), .unlabeled(pr("a", 3), .provision)],
               when: .destroyFinished(success: false, reason: "DeleteStack: AccessDenied", at: t0), phase: .provisioning(sha: "a"),
               actions: [.apply(sha: "a")]),
    Transition(name: "unrelated label while ready → ignored", given: readyA, when: .labeled(pr("a", 2, labels: ["bug"]), .provision),
               phase: .ready(sha: "a"), actions: [.ignore(reason: "already done")]),
    Transition(name: "push to a skipped PR stays skipped", given: [.opened(pr("a", 1), skip)], when: .synchronize(pr("b", 2), skip),
               phase: .skipped(reason: "label no-preview is in on.skip_labels"), actions: [.ignore(reason: "already done")]),
    Transition(name: "destroyFinished with no destroy running → ignored", given: readyA, when: destroyed,
               phase: .ready(sha: "a"), actions: [.ignore(reason: "no destroy is running")]),

    // Queued but not started: the caller saves the machine before starting what it asks for, so
    // one batch of events can supersede an apply before it runs.
    Transition(name: "started → the apply runs, nothing else to do", given: [opened], when: .started(.apply(sha: "a")),
               phase: .provisioning(sha: "a"), actions: []),
    Transition(name: "started for an operation not awaiting a start → ignored", given: readyA, when: .started(.apply(sha: "a")),
               phase: .ready(sha: "a"), actions: [.ignore(reason: "apply(sha: \"a\") is not awaiting a start")]),
    Transition(name: "push supersedes an apply not yet started → dropped, no cancel, the newest asked for instead",
               given: [opened], when: .synchronize(pr("b", 2), .provision), phase: .provisioning(sha: "b"), actions: [.apply(sha: "b")]),
    Transition(name: "close supersedes an apply not yet started → dropped, destroy asked for", given: [opened],
               when: .closed(sequence: 5), phase: .destroying, actions: [.destroy]),
    Transition(name: "skip label supersedes an apply not yet started → dropped, destroy asked for", given: [opened],
               when: .labeled(pr("a", 2, labels: ["no-preview"]), skip), phase: .destroying, actions: [.destroy]),
    Transition(name: "the dropped apply's end never comes: an applyFinished for it is ignored",
               given: [opened, .synchronize(pr("b", 2), .provision)], when: .applyFinished(sha: "a", success: false, reason: "cancelled"),
               phase: .provisioning(sha: "b"), actions: [.ignore(reason: "no apply of a is running")]),
    Transition(name: "a destroy not yet started is never dropped: a reopen waits for it",
               given: readyA + [.closed(sequence: 5)], when: .reopened(pr("a", 6), .provision), phase: .destroying, actions: []),

    // Teardown retries: the periodic check retries a failed teardown once its backoff is over.
    Transition(name: "periodic check with nothing failed → nothing", given: readyA, when: .periodicCheck(now: t0),
               phase: .ready(sha: "a"), actions: []),
    Transition(name: "periodic check never retries a failed apply",
               given: provisioningA + [.applyFinished(sha: "a", success: false, reason: "x")],
               when: .periodicCheck(now: t0.addingTimeInterval(86_400)), phase: .failed(sha: "a", reason: "x"), actions: []),
    Transition(name: "retry not due: 59 s after the first failure", given: oneFailure.events,
               when: .periodicCheck(now: t0.addingTimeInterval(59)), phase: F.teardownFailed,
               actions: F.notDue(before: t0.addingTimeInterval(60))),
    Transition(name: "retry due: a minute after the first failure → destroy again", given: oneFailure.events,
               when: .periodicCheck(now: t0.addingTimeInterval(60)), phase: .destroying, actions: [.destroy]),
    Transition(name: "periodic check while the retried destroy runs → nothing",
               given: oneFailure.events + [.periodicCheck(now: t0.addingTimeInterval(60)), .started(.destroy)],
               when: .periodicCheck(now: t0.addingTimeInterval(3600)), phase: .destroying, actions: []),
    Transition(name: "backoff grows: after two failures, 119 s is too early", given: twoFailures.events,
               when: .periodicCheck(now: twoFailures.lastFailure.addingTimeInterval(119)), phase: F.teardownFailed,
               actions: F.notDue(before: twoFailures.lastFailure.addingTimeInterval(120))),
    Transition(name: "backoff grows: after two failures, due at 120 s", given: twoFailures.events,
               when: .periodicCheck(now: twoFailures.lastFailure.addingTimeInterval(120)), phase: .destroying, actions: [.destroy]),
    Transition(name: "backoff cap: after seven failures, an hour less a second is too early", given: sevenFailures.events,
               when: .periodicCheck(now: sevenFailures.lastFailure.addingTimeInterval(3599)), phase: F.teardownFailed,
               actions: F.notDue(before: sevenFailures.lastFailure.addingTimeInterval(3600))),
    Transition(name: "backoff cap: after ten failures, still due after an hour", given: tenFailures.events,
               when: .periodicCheck(now: tenFailures.lastFailure.addingTimeInterval(3600)), phase: .destroying, actions: [.destroy]),
    Transition(name: "backoff reset by a successful destroy: the next failure waits one minute again",
               given: oneFailure.events + [.periodicCheck(now: t0.addingTimeInterval(60)), destroyed, .reopened(pr("a", 6), .provision),
                                           .applyFinished(sha: "a", success: false, reason: "x"), .closed(sequence: 7),
                                           .destroyFinished(success: false, reason: "DeleteStack: Throttling", at: t0.addingTimeInterval(600))],
               when: .periodicCheck(now: t0.addingTimeInterval(660)), phase: .destroying, actions: [.destroy]),
    Transition(name: "backoff reset when the environment recovers: a successful apply after a failed teardown",
               given: readyA + [.labeled(pr("a", 2, labels: ["no-preview"]), skip),
                                .destroyFinished(success: false, reason: "DeleteStack: Throttling", at: t0),
                                .unlabeled(pr("a", 3), .provision), .applyFinished(sha: "a", success: true, reason: ""),
                                .closed(sequence: 5),
                                .destroyFinished(success: false, reason: "DeleteStack: Throttling", at: t0.addingTimeInterval(100))],
               when: .periodicCheck(now: t0.addingTimeInterval(160)), phase: .destroying, actions: [.destroy]),
    Transition(name: "restart with a backoff pending → the retry still waits", given: oneFailure.events, restartAfterGiven: true,
               when: .periodicCheck(now: t0.addingTimeInterval(30)), phase: F.teardownFailed,
               actions: F.notDue(before: t0.addingTimeInterval(60))),
    Transition(name: "restart with a backoff pending → retried once due", given: twoFailures.events, restartAfterGiven: true,
               when: .periodicCheck(now: twoFailures.lastFailure.addingTimeInterval(120)), phase: .destroying, actions: [.destroy]),
    Transition(name: "restart with an apply not yet started → asked for again", given: [opened], restartAfterGiven: true,
               when: .started(.apply(sha: "a")), phase: .provisioning(sha: "a"), actions: []),
]

@Suite("EnvironmentStateMachine")
struct StateMachineTests {
    @Test("transition table", arguments: table)
    func transition(_ row: Transition) throws {
        try row.verify()
    }
}
