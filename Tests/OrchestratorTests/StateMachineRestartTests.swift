import Blueprint
import Foundation
import Orchestrator
import Testing

/// What a restarted `prenv serve` relies on: the machine saved in `WorkerRecord` (old records
/// included) holds everything it decides with, and `resumeAfterRestart` re-issues what the dead
/// process was running.
@Suite("EnvironmentStateMachine restart")
struct StateMachineRestartTests {
    typealias F = MachineFixtures

    static func machine(_ events: [EnvironmentStateMachine.Event]) -> EnvironmentStateMachine {
        var machine = EnvironmentStateMachine()
        for event in events { _ = machine.handle(event) }
        return machine
    }

    static func reloaded(_ machine: EnvironmentStateMachine) throws -> EnvironmentStateMachine {
        try JSONDecoder().decode(EnvironmentStateMachine.self, from: JSONEncoder().encode(machine))
    }

    @Test("the machine is Codable, so a worker can persist it between events")
    func codable() throws {
        let machine = Self.machine(F.provisioningA + [.synchronize(F.pr("b", 2), .provision)])
        let decoded = try Self.reloaded(machine)
        #expect(decoded == machine)
        #expect(decoded.queued == .present(sha: "b"))
    }

    @Test func theTeardownBackoffIsSavedWithTheMachine() throws {
        let (events, lastFailure) = F.failingTeardowns(3)
        let decoded = try Self.reloaded(Self.machine(events))
        #expect(decoded.teardownBackoff == TeardownBackoff(failures: 3, lastFailure: lastFailure, firstFailure: F.t0))
    }

    @Test func aBackoffSavedBeforeFirstFailureExistedReadsItAsTheLastFailure() throws {
        let saved = Data(#"{"failures": 4, "lastFailure": 1000}"#.utf8)
        let decoded = try JSONDecoder().decode(TeardownBackoff.self, from: saved)
        #expect(decoded == TeardownBackoff(failures: 4, lastFailure: Date(timeIntervalSinceReferenceDate: 1000)))
        #expect(decoded.firstFailure == Date(timeIntervalSinceReferenceDate: 1000))
        #expect(decoded.failedAgain(at: Date(timeIntervalSinceReferenceDate: 5000)).firstFailure == Date(timeIntervalSinceReferenceDate: 1000))
    }

    @Test func anApplyAwaitingItsStartIsSavedAsSuch() throws {
        let decoded = try Self.reloaded(Self.machine([F.opened]))
        #expect(decoded.awaitingStart == .apply(sha: "a"))
        #expect(try Self.reloaded(Self.machine(F.provisioningA)).awaitingStart == nil)
    }

    /// A record as prenv wrote it before the machine kept the start and the teardown backoff: a
    /// closed PR whose teardown failed, and another whose apply was running.
    @Test func aRecordSavedByAnOlderPrenvStillLoads() throws {
        let json = """
            {"key":{"blueprint":"preview","pr":7,"repository":"acme/webapp"},
             "machine":{"cancelRequested":false,"desired":{"absent":{"reason":"pull request closed"}},"hasResources":true,
                        "isClosed":true,"lastAppliedSHA":"a","lastSequence":5,
                        "phase":{"failed":{"reason":"destroy failed: DeleteStack: Throttling","sha":"a"}},
                        "settled":{"absent":{"reason":"pull request closed"}}},
             "pullRequest":{"author":"octocat","baseRef":"main","headRef":"feature/login","headSHA":"a","number":7,
                            "owner":"acme","repository":"webapp"},
             "revision":3,"updatedAt":800000000}
            """
        let record = try JSONDecoder().decode(WorkerRecord.self, from: Data(json.utf8))
        var machine = record.machine
        #expect(machine.phase == .failed(sha: "a", reason: "destroy failed: DeleteStack: Throttling"))
        #expect(machine.teardownBackoff == nil)
        #expect(machine.awaitingStart == nil)
        #expect(machine.resumeAfterRestart() == [])
        #expect(machine.handle(.periodicCheck(now: F.t0)) == [.destroy], "no failure count was saved: retried at once, as before")

        let midApply = """
            {"cancelRequested":false,"desired":{"present":{"sha":"a"}},"hasResources":true,"isClosed":false,
             "lastAppliedSHA":"a","lastSequence":1,"phase":{"provisioning":{"sha":"a"}},"running":{"apply":{"sha":"a"}}}
            """
        var interrupted = try JSONDecoder().decode(EnvironmentStateMachine.self, from: Data(midApply.utf8))
        #expect(interrupted.awaitingStart == .apply(sha: "a"), "not known to have started")
        #expect(interrupted.resumeAfterRestart() == [.apply(sha: "a")])
    }

    @Test func restartMidApplyAppliesAgain() {
        var machine = Self.machine(F.provisioningA)
        #expect(machine.resumeAfterRestart() == [.apply(sha: "a")])
        #expect(machine.running == .apply(sha: "a"))
        #expect(machine.awaitingStart == .apply(sha: "a"), "asked for again, to be started once saved")
    }

    @Test func restartMidTeardownOfAClosedPRDestroysAgain() {
        var machine = Self.machine(F.readyA + [.closed(sequence: 5)])
        #expect(machine.resumeAfterRestart() == [.destroy])
    }

    @Test func restartMidTeardownAfterTheSkipLabelWasRemovedAppliesAgain() {
        var machine = Self.machine(F.readyA + [.labeled(F.pr("a", 2, labels: ["no-preview"]), F.skip), .unlabeled(F.pr("a", 3), .provision)])
        #expect(machine.resumeAfterRestart() == [.apply(sha: "a")])
    }

    @Test func restartWithCancelledApplyAndCloseQueuedDestroys() {
        var machine = Self.machine(F.provisioningA + [.closed(sequence: 5)])
        #expect(machine.cancelRequested)
        #expect(machine.resumeAfterRestart() == [.destroy])
        #expect(!machine.cancelRequested)
    }

    @Test func restartWithNothingRunningDoesNothing() {
        var machine = Self.machine(F.readyA)
        #expect(machine.resumeAfterRestart() == [])
        #expect(machine.phase == .ready(sha: "a"))
    }

    @Test func restartMidRetriedTeardownDestroysAgainAtOnceKeepingTheCount() throws {
        let (events, _) = F.failingTeardowns(2)
        var machine = try Self.reloaded(Self.machine(events + [.periodicCheck(now: F.t0.addingTimeInterval(3600)), .started(.destroy)]))
        #expect(machine.resumeAfterRestart() == [.destroy], "an interrupted destroy is not a failed one")
        #expect(machine.teardownBackoff?.failures == 2)
    }

    @Test func aRetriedTeardownIsNeverStartedTwice() {
        var failed = Self.machine(F.failingTeardowns(1).events)
        let due = F.t0.addingTimeInterval(60)
        #expect(failed.handle(.periodicCheck(now: due)) == [.destroy])
        #expect(failed.handle(.periodicCheck(now: due)) == [], "the retried destroy is asked for")
    }

    @Test("teardown retries wait 1, 2, 4 … minutes, at most an hour")
    func backoffDelays() {
        #expect((1 ... 9).map(TeardownBackoff.delay(afterFailures:)) == [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600])
    }
}
