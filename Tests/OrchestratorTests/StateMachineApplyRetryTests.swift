import Foundation
import Orchestrator
import ResourceGraph
import Testing

/// An apply that failed only because AWS was briefly unavailable (throttling or 5xx that outlasted the
/// client's retries) is tried again by the periodic check, a few times, with a growing delay; any
/// other failure still waits for the user. Found by issue 16's crash test: one call in about a
/// thousand fails at 20 % throttling and 5 % 5xx, and the PR stayed failed until the next push.
@Suite struct StateMachineApplyRetryTests {
    typealias F = MachineFixtures
    typealias Event = EnvironmentStateMachine.Event

    static let throttled = Event.applyFinished(sha: "a", success: false, reason: "pipeline: create failed: Throttling", transient: true)

    static func machine(_ events: [Event]) -> EnvironmentStateMachine {
        var machine = EnvironmentStateMachine()
        for event in events { _ = machine.handle(event) }
        return machine
    }

    @Test func aTransientFailureIsRetriedOnceItsDelayIsOver() {
        var machine = Self.machine(F.provisioningA + [Self.throttled])
        #expect(machine.phase == .failed(sha: "a", reason: "pipeline: create failed: Throttling"))
        #expect(machine.applyRetry == ApplyRetry(failures: 1))
        // The first check sees the failure and sets the due time; nothing starts before it.
        #expect(machine.handle(.periodicCheck(now: F.t0)) == [])
        #expect(machine.applyRetry?.due == F.t0.addingTimeInterval(10))
        #expect(machine.handle(.periodicCheck(now: F.t0.addingTimeInterval(9))) == [])
        #expect(machine.handle(.periodicCheck(now: F.t0.addingTimeInterval(10))) == [.apply(sha: "a")])
        #expect(machine.phase == .provisioning(sha: "a"))
        _ = machine.handle(.started(.apply(sha: "a")))
        _ = machine.handle(.applyFinished(sha: "a", success: true, reason: ""))
        #expect(machine.phase == .ready(sha: "a") && machine.applyRetry == nil)
    }

    @Test func theDelayCountsFromWhenTheApplyEndedWhenTheEventSaysSo() {
        // The supervisor says when: the first periodic check 10 s later retries, however long the
        // reconciler's interval (a check before that only waits).
        var machine = Self.machine(F.provisioningA + [.applyFinished(sha: "a", success: false, reason: "Throttling", transient: true, at: F.t0)])
        #expect(machine.applyRetry == ApplyRetry(failures: 1, due: F.t0.addingTimeInterval(10)))
        #expect(machine.handle(.periodicCheck(now: F.t0.addingTimeInterval(5))) == [])
        #expect(machine.handle(.periodicCheck(now: F.t0.addingTimeInterval(60))) == [.apply(sha: "a")])
    }

    @Test func aFailureThatIsNotTransientWaitsForThePushAsBefore() {
        var machine = Self.machine(F.provisioningA + [.applyFinished(sha: "a", success: false, reason: "build: create failed: AccessDenied")])
        #expect(machine.applyRetry == nil)
        #expect(machine.handle(.periodicCheck(now: F.t0)) == [])
        #expect(machine.handle(.periodicCheck(now: F.t0.addingTimeInterval(86_400))) == [])
    }

    @Test func retriesDoubleTheirDelayAndStopAfterFive() {
        var machine = Self.machine(F.provisioningA + [Self.throttled])
        var now = F.t0
        for failures in 1...ApplyRetry.maximumFailures {
            #expect(machine.applyRetry?.failures == failures)
            _ = machine.handle(.periodicCheck(now: now))
            now = now.addingTimeInterval(ApplyRetry.delay(afterFailures: failures))
            #expect(machine.handle(.periodicCheck(now: now.addingTimeInterval(-1))) == [], "not due yet after \(failures)")
            #expect(machine.handle(.periodicCheck(now: now)) == [.apply(sha: "a")])
            _ = machine.handle(.started(.apply(sha: "a")))
            _ = machine.handle(Self.throttled)
        }
        #expect(ApplyRetry.delay(afterFailures: 5) == 160)
        #expect(machine.applyRetry == nil, "given up")
        #expect(machine.handle(.periodicCheck(now: now.addingTimeInterval(3600))) == [])
        #expect(machine.phase == .failed(sha: "a", reason: "pipeline: create failed: Throttling"))
    }

    @Test func aPushOrACloseEndsTheRetryOfTheOldCommit() {
        var pushed = Self.machine(F.provisioningA + [Self.throttled])
        #expect(pushed.handle(.synchronize(F.pr("b", 2), .provision)) == [.apply(sha: "b")])
        #expect(pushed.applyRetry == nil)

        var closed = Self.machine(F.provisioningA + [Self.throttled])
        #expect(closed.handle(.closed(sequence: 2)) == [.destroy])
        #expect(closed.applyRetry == nil)
        _ = closed.handle(.started(.destroy))
        _ = closed.handle(F.destroyed)
        #expect(closed.handle(.periodicCheck(now: F.t0.addingTimeInterval(3600))) == [])
    }

    @Test func theRetryIsSavedWithTheMachineAndOlderRecordsLoadWithout() throws {
        let machine = Self.machine(F.provisioningA + [Self.throttled, .periodicCheck(now: F.t0)])
        let decoded = try JSONDecoder().decode(EnvironmentStateMachine.self, from: JSONEncoder().encode(machine))
        #expect(decoded == machine && decoded.applyRetry == ApplyRetry(failures: 1, due: F.t0.addingTimeInterval(10)))
        var older = try JSONSerialization.jsonObject(with: JSONEncoder().encode(machine)) as? [String: Any] ?? [:]
        older["applyRetry"] = nil
        let loaded = try JSONDecoder().decode(EnvironmentStateMachine.self, from: JSONSerialization.data(withJSONObject: older))
        #expect(loaded.applyRetry == nil)
    }

    struct Flaky: TransientCapable, Sendable { var isTransient: Bool }

    @Test func anExecutionFailedTransientlyOnlyWhenEveryFailedNodeDid() {
        func failed(_ node: String, transient: Bool) -> NodeOutcome {
            .failed(ProvisionError(node: node, phase: .create, underlying: Flaky(isTransient: transient)))
        }
        #expect(ExecutionResult(outcomes: ["build": failed("build", transient: true), "site": .skipped(blockedBy: ["build"])]).failedTransiently)
        #expect(!ExecutionResult(outcomes: ["build": failed("build", transient: true), "site": failed("site", transient: false)]).failedTransiently)
        #expect(!ExecutionResult(outcomes: ["build": .failed(ProvisionError(node: "build", phase: .create, underlying: CancellationError()))]).failedTransiently)
        #expect(!ExecutionResult(outcomes: ["build": .succeeded]).failedTransiently, "nothing failed")
    }
}
