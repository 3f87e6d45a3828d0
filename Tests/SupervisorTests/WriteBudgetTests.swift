import Foundation
import Supervisor
import Testing

/// `WriteBudget`: sliding windows per limit, cost charged, intermediates kept to their share.
@Suite struct WriteBudgetTests {
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    static func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    /// 3 a minute, 5 an hour; intermediates may fill 1 of the minute's 3 and 2 of the hour's 5.
    static let small = WriteBudget.Configuration(
        limits: [WriteBudget.Limit(count: 3, window: 60), WriteBudget.Limit(count: 5, window: 3600)], intermediateShare: 0.5)

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// (time, cost) charged before the question.
        var charges: [(Double, Int)]
        var cost: Int
        var priority: GitHubWrite.Priority
        var now: Double
        /// Seconds after t0 of the next slot.
        var expected: Double
        /// The hour's limit (5 unless a case needs it out of the way).
        var hourly = 5
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "an empty budget sends at once", charges: [], cost: 1, priority: .final, now: 0, expected: 0),
        Case(name: "below the minute limit sends at once", charges: [(0, 1), (1, 1)], cost: 1, priority: .final, now: 2, expected: 2),
        Case(name: "a full minute waits for the oldest to leave the window", charges: [(0, 1), (10, 1), (20, 1)], cost: 1,
             priority: .final, now: 30, expected: 60),
        Case(name: "cost 2 needs two slots: waits for the second oldest", charges: [(0, 1), (10, 1), (20, 1)], cost: 2,
             priority: .final, now: 30, expected: 70),
        Case(name: "a charge of cost 2 fills two slots", charges: [(0, 2), (10, 1)], cost: 1, priority: .final, now: 20, expected: 60),
        Case(name: "the hour limit holds after the minute has passed", charges: [(0, 1), (100, 1), (200, 1), (300, 1), (400, 1)], cost: 1,
             priority: .final, now: 500, expected: 3600),
        Case(name: "an intermediate may fill only its share of the minute (1 of 3)", charges: [(0, 1)], cost: 1,
             priority: .intermediate, now: 20, expected: 60, hourly: 100),
        Case(name: "an intermediate waits until the minute is back under its share", charges: [(0, 1), (10, 1)], cost: 1,
             priority: .intermediate, now: 20, expected: 70, hourly: 100),
        Case(name: "a final may use the share intermediates may not", charges: [(0, 1), (10, 1)], cost: 1,
             priority: .final, now: 20, expected: 20),
        Case(name: "an intermediate's hourly share is kept for finals", charges: [(0, 1), (100, 1)], cost: 1,
             priority: .intermediate, now: 200, expected: 3600),
        Case(name: "a write dearer than a whole limit goes once the window is empty", charges: [(0, 1)], cost: 9,
             priority: .final, now: 10, expected: 3600),
        Case(name: "a charge exactly one window old has left it", charges: [(0, 1), (1, 1), (2, 1)], cost: 1,
             priority: .final, now: 60, expected: 60),
    ]

    @Test(arguments: cases) func nextSlot(_ c: Case) {
        var budget = WriteBudget(WriteBudget.Configuration(
            limits: [WriteBudget.Limit(count: 3, window: 60), WriteBudget.Limit(count: c.hourly, window: 3600)], intermediateShare: 0.5))
        for (time, cost) in c.charges { budget.charge(cost, at: Self.at(time)) }
        let slot = budget.nextSlot(cost: c.cost, priority: c.priority, now: Self.at(c.now))
        #expect(slot == Self.at(c.expected))
        #expect(budget.maySend(cost: c.cost, priority: c.priority, now: Self.at(c.now)) == (c.expected <= c.now))
    }

    @Test func defaultsAreGitHubsLimits() {
        let configuration = WriteBudget.Configuration()
        #expect(configuration.limits == [WriteBudget.Limit(count: 80, window: 60), WriteBudget.Limit(count: 500, window: 3600)])
    }

    @Test func timeScaleShortensTheWindowsOnly() {
        let configuration = WriteBudget.Configuration(perMinute: 5, perHour: 20, timeScale: 60)
        #expect(configuration.limits == [WriteBudget.Limit(count: 5, window: 1), WriteBudget.Limit(count: 20, window: 60)])
    }

    @Test func chargesOlderThanTheLongestWindowAreForgotten() {
        var budget = WriteBudget(Self.small)
        for index in 0..<5 { budget.charge(1, at: Self.at(Double(index))) }
        #expect(budget.used(Self.small.limits[1], now: Self.at(10)) == 5)
        budget.charge(1, at: Self.at(3605))
        #expect(budget.used(Self.small.limits[1], now: Self.at(3605)) == 1)
        #expect(budget.maySend(cost: 1, priority: .final, now: Self.at(3605)))
    }

    @Test func aChargeArrivingOutOfOrderCountsInItsPlace() {
        var budget = WriteBudget(Self.small)
        budget.charge(1, at: Self.at(20))
        budget.charge(1, at: Self.at(0))
        budget.charge(1, at: Self.at(10))
        #expect(budget.nextSlot(cost: 1, priority: .final, now: Self.at(30)) == Self.at(60))
    }
}
