import Blueprint
import Foundation
import Orchestrator
import Testing

/// Expiry and caps as the machine decides them: rows of the same transition table as
/// `StateMachineTests`, plus what is saved with the machine.
enum LifetimeFixtures {
    typealias Event = EnvironmentStateMachine.Event

    static let t0 = MachineFixtures.t0
    static let rule = Expiry(after: 72 * 3600, written: "72h", keepLabels: ["keep-preview", "pinned"])
    static let reason = "Expired after 72h without a push; push or label keep-preview to bring it back"
    static let stillExpired = EnvironmentStateMachine.Action.ignore(reason: "expired: waiting for a push or a keep label")

    /// A PR event `hours` after `t0`.
    static func pr(_ sha: String, _ sequence: Int, hours: Double, labels: [String] = []) -> PRSnapshot {
        PRSnapshot(repository: "acme/webapp", headSHA: sha, labels: labels, sequence: sequence, updatedAt: at(hours))
    }

    static func at(_ hours: Double) -> Date { t0.addingTimeInterval(hours * 3600) }

    static func check(_ hours: Double, _ expiry: Expiry? = rule) -> Event { .periodicCheck(now: at(hours), expiry: expiry) }

    static let opened = Event.opened(pr("a", 1, hours: 0), .provision)
    static let readyA: [Event] = [opened, .started(.apply(sha: "a")), .applyFinished(sha: "a", success: true, reason: "")]
    /// Expired at 73 h, its teardown running.
    static let expiring: [Event] = readyA + [check(73), .started(.destroy)]
    /// Expired and torn down.
    static let expired: [Event] = expiring + [.destroyFinished(success: true, reason: "", at: at(73))]

    /// Under a cap: the machine as the supervisor creates it for a capped blueprint.
    static let limited = Event.slotsLimited(true)
}

private typealias L = LifetimeFixtures
private func pr(_ sha: String, _ sequence: Int, hours: Double, labels: [String] = []) -> PRSnapshot {
    L.pr(sha, sequence, hours: hours, labels: labels)
}
private func check(_ hours: Double, _ expiry: Expiry? = L.rule) -> EnvironmentStateMachine.Event { L.check(hours, expiry) }

private let expiryTable: [Transition] = [
    Transition(name: "expiry due 72 h after the push → destroy", given: L.readyA, when: check(72),
               phase: .destroying, actions: [.destroy]),
    Transition(name: "expiry not due a second earlier → nothing", given: L.readyA,
               when: .periodicCheck(now: L.at(72).addingTimeInterval(-1), expiry: L.rule), phase: .ready(sha: "a"), actions: []),
    Transition(name: "no expire rule → never expires", given: L.readyA, when: check(10_000, nil), phase: .ready(sha: "a"), actions: []),
    Transition(name: "a keep label (any case) spares it", given: L.readyA + [.labeled(pr("a", 2, hours: 1, labels: ["Keep-Preview"]), .provision)],
               when: check(10_000), phase: .ready(sha: "a"), actions: []),
    Transition(name: "the second keep label spares it too", given: L.readyA + [.labeled(pr("a", 2, hours: 1, labels: ["bug", "pinned"]), .provision)],
               when: check(10_000), phase: .ready(sha: "a"), actions: []),
    Transition(name: "expiry counts from the push, not from later label events",
               given: L.readyA + [.labeled(pr("a", 2, hours: 50, labels: ["bug"]), .provision)], when: check(72),
               phase: .destroying, actions: [.destroy]),
    Transition(name: "a push restarts the count",
               given: L.readyA + [.synchronize(pr("b", 2, hours: 50), .provision), .started(.apply(sha: "b")),
                                  .applyFinished(sha: "b", success: true, reason: "")],
               when: check(121), phase: .ready(sha: "b"), actions: []),
    Transition(name: "a failed apply expires too (it may hold resources)",
               given: [L.opened, .started(.apply(sha: "a")), .applyFinished(sha: "a", success: false, reason: "x")],
               when: check(73), phase: .destroying, actions: [.destroy]),
    Transition(name: "a running apply is left to finish", given: [L.opened, .started(.apply(sha: "a"))], when: check(73),
               phase: .provisioning(sha: "a"), actions: []),
    Transition(name: "the expiry teardown ends → skipped with the reason", given: L.expiring,
               when: .destroyFinished(success: true, reason: "", at: L.at(73)), phase: .skipped(reason: L.reason), actions: []),
    Transition(name: "expired: a later check changes nothing", given: L.expired, when: check(500), phase: .skipped(reason: L.reason), actions: []),
    Transition(name: "expired: a push brings it back", given: L.expired, when: .synchronize(pr("b", 3, hours: 80), .provision),
               phase: .provisioning(sha: "b"), actions: [.apply(sha: "b")]),
    Transition(name: "expired: adding a keep label brings it back", given: L.expired,
               when: .labeled(pr("a", 3, hours: 80, labels: ["keep-preview"]), .provision), phase: .provisioning(sha: "a"), actions: [.apply(sha: "a")]),
    Transition(name: "expired: another label does not", given: L.expired, when: .labeled(pr("a", 3, hours: 80, labels: ["bug"]), .provision),
               phase: .skipped(reason: L.reason), actions: [L.stillExpired]),
    Transition(name: "expired: an edit (same head) does not", given: L.expired, when: .synchronize(pr("a", 3, hours: 80), .provision),
               phase: .skipped(reason: L.reason), actions: [L.stillExpired]),
    Transition(name: "expired: a redelivered opened does not", given: L.expired, when: L.opened,
               phase: .skipped(reason: L.reason), actions: [L.stillExpired]),
    Transition(name: "expired: GitHub's answer with the same head does not", given: L.expired,
               when: .gitHubAnswered(pr("a", 3, hours: 80), .provision, isOpen: true), phase: .skipped(reason: L.reason), actions: [L.stillExpired]),
    Transition(name: "expired: GitHub's answer with a new head does", given: L.expired,
               when: .gitHubAnswered(pr("c", 3, hours: 80), .provision, isOpen: true), phase: .provisioning(sha: "c"), actions: [.apply(sha: "c")]),
    Transition(name: "expired and saved: a restart keeps it expired", given: L.expired, restartAfterGiven: true,
               when: .labeled(pr("a", 3, hours: 80, labels: ["bug"]), .provision), phase: .skipped(reason: L.reason), actions: [L.stillExpired]),
    Transition(name: "expired and saved: a push after a restart brings it back", given: L.expired, restartAfterGiven: true,
               when: .synchronize(pr("b", 3, hours: 80), .provision), phase: .provisioning(sha: "b"), actions: [.apply(sha: "b")]),
    Transition(name: "a push during the expiry teardown waits for it", given: L.expiring,
               when: .synchronize(pr("b", 3, hours: 73.5), .provision), phase: .destroying, actions: []),
    Transition(name: "…and is applied once the teardown ends", given: L.expiring + [.synchronize(pr("b", 3, hours: 73.5), .provision)],
               when: .destroyFinished(success: true, reason: "", at: L.at(74)), phase: .provisioning(sha: "b"), actions: [.apply(sha: "b")]),
    Transition(name: "closed while expired → nothing left to destroy", given: L.expired, when: .closed(sequence: 9),
               phase: .destroyed, actions: [.ignore(reason: "nothing recorded to destroy")]),
    Transition(name: "a closed PR does not expire", given: L.readyA + [.closed(sequence: 5), .started(.destroy), MachineFixtures.destroyed],
               when: check(500), phase: .destroyed, actions: []),
]

private let slotTable: [Transition] = [
    Transition(name: "uncapped: opened applies at once", given: [.slotsLimited(false)], when: L.opened,
               phase: .provisioning(sha: "a"), actions: [.apply(sha: "a")]),
    Transition(name: "capped: opened waits for a slot", given: [L.limited], when: L.opened, phase: .idle, actions: [.waitForSlot]),
    Transition(name: "admitted → apply", given: [L.limited, L.opened], when: .admitted, phase: .provisioning(sha: "a"), actions: [.apply(sha: "a")]),
    Transition(name: "a push while waiting keeps the place (no second wait)", given: [L.limited, L.opened],
               when: .synchronize(pr("b", 2, hours: 1), .provision), phase: .idle, actions: []),
    Transition(name: "admitted after a push while waiting → the newest head", given: [L.limited, L.opened, .synchronize(pr("b", 2, hours: 1), .provision)],
               when: .admitted, phase: .provisioning(sha: "b"), actions: [.apply(sha: "b")]),
    Transition(name: "closed while waiting → leaves the queue, nothing to destroy", given: [L.limited, L.opened], when: .closed(sequence: 5),
               phase: .destroyed, actions: [.ignore(reason: "nothing recorded to destroy")]),
    Transition(name: "a slot granted after the close is refused", given: [L.limited, L.opened, .closed(sequence: 5)], when: .admitted,
               phase: .destroyed, actions: [.ignore(reason: "not waiting for a slot")]),
    Transition(name: "skip label while waiting → leaves the queue", given: [L.limited, L.opened],
               when: .labeled(pr("a", 2, hours: 1, labels: ["no-preview"]), MachineFixtures.skip),
               phase: .skipped(reason: "label no-preview is in on.skip_labels"), actions: []),
    Transition(name: "recorded resources hold a slot already: no wait", initial: EnvironmentStateMachine(hasRecordedResources: true),
               given: [L.limited], when: L.opened, phase: .provisioning(sha: "a"), actions: [.apply(sha: "a")]),
    Transition(name: "the slot is given back after a destroy: a reopen waits again",
               given: [L.limited, L.opened, .admitted, .started(.apply(sha: "a")), .applyFinished(sha: "a", success: true, reason: ""),
                       .closed(sequence: 5), .started(.destroy), MachineFixtures.destroyed],
               when: .reopened(pr("a", 6, hours: 2), .provision), phase: .idle, actions: [.waitForSlot]),
    Transition(name: "a failed teardown keeps its slot: the retry needs none",
               given: [L.limited, L.opened, .admitted, .started(.apply(sha: "a")), .applyFinished(sha: "a", success: true, reason: ""),
                       .closed(sequence: 5), .started(.destroy), .destroyFinished(success: false, reason: "Throttling", at: L.t0)],
               when: .periodicCheck(now: L.at(1)), phase: .destroying, actions: [.destroy]),
    Transition(name: "cap lifted while waiting → applies", given: [L.limited, L.opened], when: .slotsLimited(false),
               phase: .provisioning(sha: "a"), actions: [.apply(sha: "a")]),
    Transition(name: "restart mid-queue: still waiting, admitted later", given: [L.limited, L.opened], restartAfterGiven: true,
               when: .admitted, phase: .provisioning(sha: "a"), actions: [.apply(sha: "a")]),
    Transition(name: "waiting past expiry → expires and leaves the queue", given: [L.limited, L.opened], when: check(73),
               phase: .skipped(reason: L.reason), actions: []),
    Transition(name: "expired while holding a slot: revived by a push, it waits again",
               given: [L.limited, L.opened, .admitted, .started(.apply(sha: "a")), .applyFinished(sha: "a", success: true, reason: ""),
                       check(73), .started(.destroy), .destroyFinished(success: true, reason: "", at: L.at(73))],
               when: .synchronize(pr("b", 3, hours: 80), .provision), phase: .idle, actions: [.waitForSlot]),
]

@Suite("EnvironmentStateMachine expiry and slots")
struct StateMachineExpiryTests {
    @Test("expiry table", arguments: expiryTable)
    func expiry(_ row: Transition) throws { try row.verify() }

    @Test("slot table", arguments: slotTable)
    func slots(_ row: Transition) throws { try row.verify() }

    static func machine(_ events: [EnvironmentStateMachine.Event]) -> EnvironmentStateMachine {
        var machine = EnvironmentStateMachine()
        for event in events { _ = machine.handle(event) }
        return machine
    }

    @Test func thePushTimeComesFromTheEventThatBroughtTheHead() {
        let machine = Self.machine(L.readyA + [.labeled(pr("a", 2, hours: 5, labels: ["bug"]), .provision),
                                               .synchronize(pr("b", 3, hours: 7, labels: ["bug"]), .provision),
                                               .synchronize(pr("a", 1, hours: 9, labels: ["x"]), .provision)])  // stale: ignored
        #expect(machine.pushedHead == "b")
        #expect(machine.pushedAt == L.at(7))
        #expect(machine.labels == ["bug"])
        #expect(PRSnapshot(repository: "r/r", headSHA: "x", sequence: 1_714_557_600_000).updatedAt == Date(timeIntervalSince1970: 1_714_557_600),
                "by default the sequence is read as updated_at in epoch milliseconds")
    }

    @Test func theQueuePlaceIsTheSequenceOfTheEventThatMadeItWait() throws {
        let waiting = Self.machine([L.limited, .opened(pr("a", 1_000, hours: 0), .provision), .synchronize(pr("b", 2_000, hours: 1), .provision)])
        #expect(waiting.waitingSince == 1_000)
        #expect(waiting.isWaitingForSlot)
        #expect(!waiting.holdsSlot)
        let reloaded = try JSONDecoder().decode(EnvironmentStateMachine.self, from: JSONEncoder().encode(waiting))
        #expect(reloaded == waiting)

        var admitted = waiting
        #expect(admitted.handle(.admitted) == [.apply(sha: "b")])
        #expect(admitted.holdsSlot && !admitted.isWaitingForSlot)
        _ = admitted.handle(.started(.apply(sha: "b")))
        _ = admitted.handle(.applyFinished(sha: "b", success: false, reason: "x"))
        #expect(admitted.holdsSlot, "failed with resources still holds its slot")
        _ = admitted.handle(.closed(sequence: 3_000))
        _ = admitted.handle(.started(.destroy))
        #expect(admitted.holdsSlot, "destroying still holds it")
        _ = admitted.handle(MachineFixtures.destroyed)
        #expect(!admitted.holdsSlot, "given back once nothing remains")
    }

    @Test func expiryIsSavedWithTheMachine() throws {
        let machine = Self.machine(L.expired)
        #expect(machine.isExpired)
        let reloaded = try JSONDecoder().decode(EnvironmentStateMachine.self, from: JSONEncoder().encode(machine))
        #expect(reloaded == machine)
        #expect(reloaded.expiration == .init(sha: "a", keepLabels: ["keep-preview", "pinned"]))
    }

    /// A machine saved by the prenv before expiry and caps: no push time (so it cannot expire until
    /// its next push), no cap, not waiting.
    @Test func aMachineSavedBeforeExpiryAndCapsLoads() throws {
        let json = """
            {"cancelRequested":false,"desired":{"present":{"sha":"a"}},"hasResources":true,"isClosed":false,
             "lastAppliedSHA":"a","lastSequence":1,"phase":{"ready":{"sha":"a"}},"settled":{"present":{"sha":"a"}}}
            """
        var machine = try JSONDecoder().decode(EnvironmentStateMachine.self, from: Data(json.utf8))
        #expect(machine.pushedAt == nil && machine.pushedHead == nil && machine.labels == [])
        #expect(!machine.isExpired && !machine.slotRequired && !machine.isWaitingForSlot && !machine.admitted)
        #expect(machine.holdsSlot)
        #expect(machine.handle(check(10_000)) == [], "push time unknown: not expired on a guess")
        #expect(machine.handle(.synchronize(pr("b", 2, hours: 1), .provision)) == [.apply(sha: "b")])
        _ = machine.handle(.started(.apply(sha: "b")))
        _ = machine.handle(.applyFinished(sha: "b", success: true, reason: ""))
        #expect(machine.handle(check(73)) == [.destroy], "from its next push on it expires")
    }
}
