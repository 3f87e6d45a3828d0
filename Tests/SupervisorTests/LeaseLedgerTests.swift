import Foundation
import Orchestrator
@testable import Supervisor
import Testing

/// The ledger of held leases shared by the supervisor and the status reporter's senders: tenures,
/// deadlines, and what a lease lost or given up still allows.
@Suite struct LeaseLedgerTests {
    static func lease(_ token: Int64, key: String = "acme/web#5") -> PullRequestLease {
        PullRequestLease(key: key, holder: "A", token: token, expiresAt: Date())
    }

    let clock = ReplicaClock()
    var ledger: LeaseLedger { LeaseLedger(clock: { [clock] in clock.now() }) }

    @Test func aRenewalKeepsTheTenureAndMovesTheDeadline() throws {
        let ledger = ledger
        let first = try #require(ledger.hold(Self.lease(1), until: clock.now().advanced(by: .seconds(10))))
        let renewed = try #require(ledger.hold(Self.lease(1), until: clock.now().advanced(by: .seconds(20)), renewal: true))
        #expect(renewed.tenure == first.tenure)
        #expect(renewed.deadline > first.deadline)
        #expect(ledger.allows("acme/web#5", tenure: first.tenure))
    }

    @Test func aRenewalOfALeaseNoLongerHeldChangesNothing() throws {
        let ledger = ledger
        let first = try #require(ledger.hold(Self.lease(1), until: clock.now().advanced(by: .seconds(10))))
        #expect(ledger.lose("acme/web#5", tenure: first.tenure))
        #expect(ledger.hold(Self.lease(1), until: clock.now().advanced(by: .seconds(20)), renewal: true) == nil)
        #expect(ledger.held("acme/web#5") == nil)
    }

    /// A lease lost on this replica's clock alone is taken back under the same token: a new
    /// tenure all the same, and what the earlier one asked for is not allowed.
    @Test func aLeaseTakenBackUnderTheSameTokenIsANewTenure() throws {
        let ledger = ledger
        let first = try #require(ledger.hold(Self.lease(1), until: clock.now().advanced(by: .seconds(10))))
        #expect(ledger.lose("acme/web#5", tenure: first.tenure))
        #expect(ledger.lose("acme/web#5", tenure: first.tenure) == false, "lost once")
        #expect(ledger.allows("acme/web#5", tenure: first.tenure) == false)
        let second = try #require(ledger.hold(Self.lease(1), until: clock.now().advanced(by: .seconds(10))))
        #expect(second.tenure != first.tenure)
        #expect(ledger.allows("acme/web#5", tenure: second.tenure))
        #expect(ledger.allows("acme/web#5", tenure: first.tenure) == false)
        #expect(ledger.lose("acme/web#5", tenure: first.tenure) == false, "an earlier tenure's loss does not drop the new one")
        #expect(ledger.held("acme/web#5")?.tenure == second.tenure)
    }

    @Test func pastItsDeadlineAHoldingAllowsNothing() throws {
        let ledger = ledger
        let held = try #require(ledger.hold(Self.lease(1), until: clock.now().advanced(by: .seconds(25))))
        #expect(ledger.allows("acme/web#5", tenure: held.tenure))
        clock.pause(for: .seconds(26))
        #expect(ledger.allows("acme/web#5", tenure: held.tenure) == false)
    }

    /// Released on purpose (nothing left to do), the writes telling the end of that work still go;
    /// lost, they do not; another PR's holdings are unaffected.
    @Test func releasedStillAllowsLostDoesNot() throws {
        let ledger = ledger
        let released = try #require(ledger.hold(Self.lease(1), until: clock.now().advanced(by: .seconds(10))))
        let lost = try #require(ledger.hold(Self.lease(4, key: "acme/web#6"), until: clock.now().advanced(by: .seconds(10))))
        ledger.release("acme/web#5", tenure: released.tenure)
        #expect(ledger.lose("acme/web#6", tenure: lost.tenure))
        #expect(ledger.held("acme/web#5") == nil)
        #expect(ledger.allows("acme/web#5", tenure: released.tenure))
        #expect(ledger.allows("acme/web#6", tenure: lost.tenure) == false)
        #expect(ledger.all.isEmpty)
    }
}

/// A write asked for under a lease already lost is not queued, so it cannot replace (by its
/// coalescing key) the write the PR's current holder queued.
@Suite struct WriteQueueOwnershipTests {
    static func write(_ label: String, held: Bool) -> GitHubWrite {
        let lease = PullRequestLease(key: "acme/web#5", holder: "A", token: 1, expiresAt: Date())
        return GitHubWrite(kind: .commitStatus, priority: .final, repository: "acme/web", pullRequest: 5, sha: "s1", coalescingKey: "ctx",
                           fingerprint: label, ownership: WriteOwnership(lease: lease, isHeld: { held }), perform: { 1 })
    }

    @Test func aWriteOfALostLeaseDoesNotReplaceTheCurrentHoldersWrite() throws {
        var queue = WriteQueue()
        #expect(queue.enqueue(Self.write("current", held: true), now: Date()) == nil)
        #expect(queue.enqueue(Self.write("stale", held: false), now: Date()) == .leaseLost)
        #expect(queue.queued.map(\.fingerprint) == [TextDigest("current")])
        #expect(queue.dropped == [.leaseLost: 1])
    }
}
