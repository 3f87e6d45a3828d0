import Blueprint
import Foundation
import Orchestrator
import Testing

/// Same-second ties: `updated_at` has one-second resolution, so `reopened`, `closed` and
/// `synchronize` of one second arrive in any order. Every arrival order must end where GitHub
/// says the PR is, and an open PR's environment is never torn down on the way.
struct TieRow: Sendable, CustomTestStringConvertible {
    typealias Event = EnvironmentStateMachine.Event

    enum Start: String, Sendable, CaseIterable {
        /// Open and ready at `a` (opened at second 1).
        case readyAtA
        /// Closed at second 5 and destroyed.
        case closedAndDestroyed
    }

    enum Answer: Sendable, Hashable, CustomStringConvertible {
        case open(sha: String)
        case closed

        var description: String {
            switch self {
            case .open(let sha): "open at \(sha)"
            case .closed: "closed"
            }
        }
    }

    var start: Start
    /// Events of second 10, in arrival order, by name.
    var arrivals: [String]
    /// One batch for all (asked once after it) or one batch per event (asked after each that held).
    var oneBatch: Bool
    var answer: Answer

    var testDescription: String {
        "\(start.rawValue): \(arrivals.joined(separator: ", "))\(oneBatch ? " in one batch" : " one by one"), GitHub says \(answer)"
    }

    static let second = 10

    static func event(_ name: String) -> Event {
        switch name {
        case "reopened": .reopened(MachineFixtures.pr("a", second), .provision)
        case "closed": .closed(sequence: second)
        default: .synchronize(MachineFixtures.pr("b", second), .provision)
        }
    }

    var startEvents: [Event] {
        switch start {
        case .readyAtA: MachineFixtures.readyA
        case .closedAndDestroyed: MachineFixtures.readyA + [.closed(sequence: 5), .started(.destroy), MachineFixtures.destroyed]
        }
    }

    var answerEvent: Event {
        switch answer {
        case .open(let sha): .gitHubAnswered(MachineFixtures.pr(sha, Self.second), .provision, isOpen: true)
        case .closed: .gitHubAnswered(MachineFixtures.pr("b", Self.second), .provision, isOpen: false)
        }
    }

    /// Every order of the three, and every ordered pair, each batched both ways, against each
    /// answer GitHub could give.
    static let all: [TieRow] = {
        let names = ["reopened", "closed", "synchronize"]
        let triples = names.flatMap { first in
            names.filter { $0 != first }.flatMap { second in names.filter { $0 != first && $0 != second }.map { [first, second, $0] } }
        }
        let pairs = names.flatMap { first in names.filter { $0 != first }.map { [first, $0] } }
        let answers: [Answer] = [.open(sha: "a"), .open(sha: "b"), .closed]
        return Start.allCases.flatMap { start in
            (triples + pairs).flatMap { arrivals in
                [true, false].flatMap { oneBatch in answers.map { TieRow(start: start, arrivals: arrivals, oneBatch: oneBatch, answer: $0) } }
            }
        }
    }()
}

private func pr(_ sha: String, _ sequence: Int) -> PRSnapshot { MachineFixtures.pr(sha, sequence) }
/// Closed at 5 and destroyed, then reopened at 10: the apply of `a` is asked for.
private let reopenedAt10: [EnvironmentStateMachine.Event] = MachineFixtures.readyA + [
    .closed(sequence: 5), .started(.destroy), MachineFixtures.destroyed, .reopened(pr("a", 10), .provision),
]
/// …and a `closed` of the same second arrived after it: held for GitHub.
private let heldAt10 = reopenedAt10 + [.closed(sequence: 10)]

private let tieTable: [Transition] = [
    Transition(name: "closed in the second of the reopen → held, GitHub asked, nothing cancelled", given: reopenedAt10,
               when: .closed(sequence: 10), phase: .provisioning(sha: "a"), actions: [.confirmWithGitHub]),
    Transition(name: "another event of the held second → still held", given: heldAt10,
               when: .synchronize(pr("b", 10), .provision), phase: .provisioning(sha: "a"), actions: [.confirmWithGitHub]),
    Transition(name: "GitHub says open → the held close is dropped, the apply stays", given: heldAt10,
               when: .gitHubAnswered(pr("a", 10), .provision, isOpen: true), phase: .provisioning(sha: "a"),
               actions: [.ignore(reason: "already queued or running")]),
    Transition(name: "GitHub says closed → the apply never runs, nothing to destroy", given: heldAt10,
               when: .gitHubAnswered(pr("a", 10), .provision, isOpen: false), phase: .destroying, actions: [.destroy]),
    Transition(name: "no token → arrival order: the close wins", given: heldAt10, when: .gitHubUnavailable,
               phase: .destroying, actions: [.destroy]),
    Transition(name: "GitHub's answer older than the tie (a lagging read) → arrival order", given: heldAt10,
               when: .gitHubAnswered(pr("a", 9), .provision, isOpen: true), phase: .destroying, actions: [.destroy]),
    Transition(name: "a later second settles a held tie by itself", given: heldAt10,
               when: .synchronize(pr("c", 11), .provision), phase: .provisioning(sha: "c"), actions: [.apply(sha: "c")]),
    Transition(name: "a held tie survives a restart and GitHub's answer still settles it", given: heldAt10, restartAfterGiven: true,
               when: .gitHubAnswered(pr("a", 10), .provision, isOpen: true), phase: .provisioning(sha: "a"),
               actions: [.ignore(reason: "already queued or running")]),
    Transition(name: "a late closed older than the latest reopen never destroys",
               given: reopenedAt10 + [.started(.apply(sha: "a")), .applyFinished(sha: "a", success: true, reason: "")],
               when: .closed(sequence: 9), phase: .ready(sha: "a"), actions: [.ignore(reason: "stale event")]),
    Transition(name: "same second, same head, still open → no question (a label that changes nothing)",
               given: MachineFixtures.readyA, when: .labeled(PRSnapshot(repository: "acme/webapp", headSHA: "a", labels: ["bug"], sequence: 1), .provision),
               phase: .ready(sha: "a"), actions: [.ignore(reason: "already done")]),
    Transition(name: "same second, skip label and its removal disagree → asked",
               given: MachineFixtures.readyA + [.labeled(pr("a", 2), MachineFixtures.skip)],
               when: .unlabeled(pr("a", 2), .provision), phase: .destroying, actions: [.confirmWithGitHub]),
    Transition(name: "GitHub answers with nothing held and the same second → its view applies",
               given: MachineFixtures.readyA, when: .gitHubAnswered(pr("a", 1), .provision, isOpen: false),
               phase: .destroying, actions: [.destroy]),
    Transition(name: "gitHubUnavailable with nothing held → ignored", given: MachineFixtures.readyA, when: .gitHubUnavailable,
               phase: .ready(sha: "a"), actions: [.ignore(reason: "no tie is waiting for GitHub")]),
]

@Suite("EnvironmentStateMachine same-second ties")
struct StateMachineTieTests {
    typealias Event = EnvironmentStateMachine.Event
    typealias Action = EnvironmentStateMachine.Action

    /// Feeds the row as the supervisor would: after each batch, if a machine asked, GitHub's
    /// answer; then every operation asked for runs and succeeds (between batches when one by one).
    @Test("every same-second order ends where GitHub says", arguments: TieRow.all)
    func tie(_ row: TieRow) {
        var machine = EnvironmentStateMachine()
        for event in row.startEvents { _ = machine.handle(event) }
        let batches = row.oneBatch ? [row.arrivals] : row.arrivals.map { [$0] }
        var asked = 0
        for batch in batches {
            var held = false
            for name in batch { held = machine.handle(TieRow.event(name)).contains(.confirmWithGitHub) || held }
            if held {
                asked += 1
                _ = machine.handle(row.answerEvent)
            }
            Self.runOperations(&machine)
        }
        #expect(asked >= 1, "the events disagree within one second, so GitHub must be asked")
        #expect(machine.unconfirmed == nil)
        switch row.answer {
        case .open(let sha):
            #expect(machine.phase == .ready(sha: sha))
            #expect(machine.desired == .present(sha: sha) && !machine.isClosed)
        case .closed:
            #expect(machine.phase == .destroyed)
            #expect(machine.isClosed && !machine.hasResources)
        }
    }

    /// Starts and successfully finishes whatever the machine asks for until it asks for nothing.
    static func runOperations(_ machine: inout EnvironmentStateMachine) {
        for _ in 0..<10 {
            guard let operation = machine.awaitingStart else { return }
            _ = machine.handle(.started(operation))
            switch operation {
            case .apply(let sha): _ = machine.handle(.applyFinished(sha: sha, success: true, reason: ""))
            case .destroy: _ = machine.handle(MachineFixtures.destroyed)
            }
        }
        Issue.record("the machine kept asking for operations: \(machine)")
    }

    @Test("tie transition table", arguments: tieTable)
    func transition(_ row: Transition) throws {
        try row.verify()
    }

    @Test("the table covers all 6 orders of 3 and all 6 ordered pairs, from both starts, both batchings, 3 answers")
    func coverage() {
        #expect(TieRow.all.count == 2 * (6 + 6) * 2 * 3)
        #expect(Set(TieRow.all.filter { $0.arrivals.count == 3 }.map(\.arrivals)).count == 6)
    }
}
