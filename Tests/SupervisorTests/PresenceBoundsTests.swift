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

    @Test func theOldestFinishedGoFirstAndTheBoundHolds() {
        let presence = presence()
        let total = EnvironmentPresence.keptActivities * 2
        for pr in 1...total {
            presence.began(key(pr), sha: "abc", headRef: "main", destroying: false, blueprint: nil, expiresAt: nil)
            presence.ended(key(pr), sha: "abc", headRef: nil, .init(state: .ready, summary: "ready"))
        }
        let (activities, passes) = presence.state.withLock { ($0.activities, $0.evictions) }
        #expect(activities.count <= EnvironmentPresence.keptActivities)
        #expect(activities[key(total)] != nil && activities[key(1)] == nil)
        #expect(passes <= 2 * total / (EnvironmentPresence.keptActivities / 10), "a pass per tenth of the bound, not per update (\(passes))")
    }
}
