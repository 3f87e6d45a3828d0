import Testing

@testable import AWSCore

/// The pacing rules as a table: a sequence of answers at given times, and the rate after each.
@Suite struct AdaptivePacingTests {
    struct Case: CustomStringConvertible, Sendable {
        let name: String
        let ceiling: Double
        /// (seconds from the start, the answer, the rate after it)
        let steps: [(Double, AdaptivePacing.Feedback, Double)]
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "a throttle halves the rate", ceiling: 10, steps: [(0, .throttled, 5)]),
        Case(name: "throttles within the cooldown answer for the same overload", ceiling: 10, steps: [
            (0, .throttled, 5), (0.2, .throttled, 5), (0.9, .throttled, 5),
        ]),
        Case(name: "a throttle after the cooldown cuts again", ceiling: 10, steps: [
            (0, .throttled, 5), (1.0, .throttled, 2.5),
        ]),
        Case(name: "the floor holds under a long storm", ceiling: 10, steps: [
            (0, .throttled, 5), (1, .throttled, 2.5), (2, .throttled, 1.25), (3, .throttled, 0.625), (4, .throttled, 0.5),
            (5, .throttled, 0.5),
        ]),
        // Knee 10, recovery target 9: fast (2.5/s) from 5 to 9 in 1.6 s, then slow (0.2/s).
        Case(name: "recovery is fast up to just under the knee", ceiling: 10, steps: [
            (0, .throttled, 5), (1, .succeeded, 7.5), (1.6, .succeeded, 9),
        ]),
        Case(name: "recovery is slow above the knee's target", ceiling: 10, steps: [
            (0, .throttled, 5), (1.6, .succeeded, 9), (2.6, .succeeded, 9.2), (3.6, .succeeded, 9.4),
        ]),
        Case(name: "one long interval splits between fast and slow recovery", ceiling: 10, steps: [
            (0, .throttled, 5), (2.6, .succeeded, 9.2),
        ]),
        Case(name: "recovery never passes the ceiling", ceiling: 10, steps: [
            (0, .throttled, 5), (100, .succeeded, 10), (200, .succeeded, 10),
        ]),
        // Throttled at 10, then at 8.5: the knee moves down, so fast recovery stops at 7.65, then 0.2/s.
        Case(name: "the knee follows the last throttled rate", ceiling: 10, steps: [
            (0, .throttled, 5), (1.4, .succeeded, 8.5), (1.5, .throttled, 4.25), (2.5, .succeeded, 6.75), (3.5, .succeeded, 7.778),
        ]),
        Case(name: "time spent throttled does not count towards recovery", ceiling: 10, steps: [
            (0, .throttled, 5), (0.5, .throttled, 5), (0.9, .throttled, 5), (1.0, .succeeded, 5.25),
        ]),
        Case(name: "successes at the ceiling change nothing", ceiling: 4, steps: [
            (0, .succeeded, 4), (1, .succeeded, 4),
        ]),
    ]

    @Test(arguments: cases)
    func rules(_ table: Case) {
        let start = ContinuousClock.now
        var pacing = AdaptivePacing(ceiling: table.ceiling)
        for (at, feedback, expected) in table.steps {
            pacing.record(feedback, at: start.advanced(by: .milliseconds(Int64((at * 1000).rounded()))))
            #expect(abs(pacing.rate - expected) < 1e-6, "\(table.name): \(feedback) at \(at)s gave \(pacing.rate), expected \(expected)")
        }
    }

    @Test func aCutReportsBothRatesAndRecoveryReportsTheNewOne() {
        let start = ContinuousClock.now
        var pacing = AdaptivePacing(ceiling: 8)
        #expect(pacing.record(.throttled, at: start) == .cut(from: 8, to: 4))
        #expect(pacing.record(.throttled, at: start.advanced(by: .milliseconds(10))) == .unchanged)
        #expect(pacing.record(.succeeded, at: start.advanced(by: .milliseconds(1010))) == .raised(to: 6))
        #expect(pacing.knee == 8)
    }

    @Test func defaultsDeriveFromTheCeiling() {
        let pacing = AdaptivePacing(ceiling: 20)
        #expect(pacing.rate == 20)
        #expect(pacing.floor == 1)
        #expect(pacing.fastIncrease == 5)
        #expect(abs(pacing.slowIncrease - 0.4) < 1e-9)
        #expect(pacing.knee == nil)
    }

    @Test func aDecreaseOfOneNeverCuts() {
        var pacing = AdaptivePacing(ceiling: 10, decrease: 1)
        #expect(pacing.record(.throttled, at: .now) == .unchanged)
        #expect(pacing.rate == 10)
    }
}
