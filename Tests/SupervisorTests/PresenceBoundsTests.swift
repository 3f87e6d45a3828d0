import Foundation
import Orchestrator
@testable import Supervisor
import Testing

/// The presence keeps at most `keptActivities` environments' activity, dropping the least recently
/// updated finished ones; what it may not drop (environments still running) must not cost a sort of
/// every activity at every update once the bound is passed.
@Suite struct PresenceBoundsTests {
    func presence() -> EnvironmentPresence {
        EnvironmentPresence(reporter: StatusReporter(poster: RecordingStatusPoster(), configuration: .unlimited), github: nil,
                            store: InMemoryStateStore(), region: nil, secret: "")
    }

    func key(_ pr: Int) -> EnvironmentKey { EnvironmentKey(repository: "acme/web", pr: pr, blueprint: "web") }

    @Test func activitiesThatMayNotBeDroppedAreNotSortedAgainAtEveryUpdate() {
        let presence = presence()
        let running = EnvironmentPresence.keptActivities + 200
        for pr in 1...running {
            presence.began(key(pr), sha: "abc", headRef: "main", destroying: false, blueprint: nil, expiresAt: nil)
        }
        let (count, passes) = presence.state.withLock { ($0.activities.count, $0.evictions) }
        #expect(count == running, "a running environment's activity is never dropped")
        #expect(passes == 1, "one pass found nothing to drop; the next waits for a tenth more, not the next update (\(passes) passes)")
    }

    @Test func theOldestFinishedGoFirstAndTheBoundHoldsAfterEveryUpdate() {
        let presence = presence()
        let bound = EnvironmentPresence.keptActivities
        var largest = 0
        for pr in 1...(bound * 2 + 10) {
            presence.began(key(pr), sha: "abc", headRef: "main", destroying: false, blueprint: nil, expiresAt: nil)
            presence.ended(key(pr), sha: "abc", headRef: nil, .init(state: .ready, summary: "ready"))
            largest = max(largest, presence.state.withLock { $0.activities.count })
        }
        let (activities, passes) = presence.state.withLock { ($0.activities, $0.evictions) }
        #expect(largest <= bound, "never more than the bound kept (\(largest))")
        #expect(activities[key(bound * 2 + 10)] != nil && activities[key(1)] == nil)
        #expect(passes <= 2 * bound / (bound / 10) + 1, "a pass per tenth of the bound, not per update (\(passes))")
    }

    /// More running at once than the bound: none dropped while running; once they finish, the
    /// next passes bring the count back to the bound rather than keeping the peak for good.
    @Test func aBurstBeyondTheBoundIsKeptWhileRunningAndShedOnceFinished() {
        let presence = presence()
        let bound = EnvironmentPresence.keptActivities
        let burst = bound + bound / 2
        for pr in 1...burst {
            presence.began(key(pr), sha: "abc", headRef: "main", destroying: false, blueprint: nil, expiresAt: nil)
        }
        #expect(presence.state.withLock { $0.activities.count } == burst)
        for pr in 1...burst {
            presence.ended(key(pr), sha: "abc", headRef: nil, .init(state: .ready, summary: "ready"))
        }
        // New environments come and go: the kept count falls back within the bound.
        for pr in (burst + 1)...(burst + bound) {
            presence.began(key(pr), sha: "abc", headRef: "main", destroying: false, blueprint: nil, expiresAt: nil)
            presence.ended(key(pr), sha: "abc", headRef: nil, .init(state: .ready, summary: "ready"))
        }
        #expect(presence.state.withLock { $0.activities.count } <= bound)
    }
}
