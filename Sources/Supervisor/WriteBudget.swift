import Foundation

/// How many GitHub writes one token may still make, over sliding windows: GitHub allows about 80
/// content-creating requests a minute and 500 an hour per token, and a write beyond that is refused
/// (and extends the ban). A pure value: times are parameters, so every rule is a table test.
///
/// Intermediate writes may use only `intermediateShare` of each window; the rest is kept for finals,
/// so a burst of `pending` statuses early in the hour cannot leave the successes of later pushes
/// waiting for the hour to slide.
public struct WriteBudget: Sendable, Equatable {
    /// At most `count` write requests in any `window`.
    public struct Limit: Sendable, Equatable {
        public var count: Int
        public var window: TimeInterval

        public init(count: Int, window: TimeInterval) {
            self.count = count
            self.window = window
        }
    }

    /// The budget `prenv serve` uses unless flags say otherwise.
    public struct Configuration: Sendable, Equatable {
        public var limits: [Limit]
        /// Fraction of each limit intermediates may fill (0…1); finals may fill all of it.
        public var intermediateShare: Double

        /// - Parameters:
        ///   - perMinute: `--github-writes-per-minute`.
        ///   - perHour: `--github-writes-per-hour`.
        ///   - timeScale: windows shortened by this factor (the simulation benchmark runs an hour in a minute).
        public init(perMinute: Int = 80, perHour: Int = 500, intermediateShare: Double = 0.5, timeScale: Double = 1) {
            self.limits = [Limit(count: perMinute, window: 60 / timeScale), Limit(count: perHour, window: 3600 / timeScale)]
            self.intermediateShare = intermediateShare
        }

        /// No limits: for a poster that is not GitHub (the log), and for tests of what is written
        /// rather than when.
        public static let unlimited = Configuration(limits: [], intermediateShare: 1)

        public init(limits: [Limit], intermediateShare: Double) {
            self.limits = limits
            self.intermediateShare = intermediateShare
        }
    }

    public let configuration: Configuration
    /// Write requests made, oldest first, kept only as long as the longest window needs them.
    private var charges: [(at: Date, cost: Int)] = []

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public static func == (lhs: WriteBudget, rhs: WriteBudget) -> Bool {
        lhs.configuration == rhs.configuration && lhs.charges.map(\.at) == rhs.charges.map(\.at)
            && lhs.charges.map(\.cost) == rhs.charges.map(\.cost)
    }

    /// How many writes a priority may fill of `limit`: at least 1, so a tiny limit still lets
    /// intermediates through one at a time.
    func cap(_ limit: Limit, for priority: GitHubWrite.Priority) -> Int {
        priority == .final ? limit.count : max(1, Int((Double(limit.count) * configuration.intermediateShare).rounded(.down)))
    }

    /// The earliest time a write of `cost` requests may be sent: `now` when it may go at once.
    /// A write costing more than a whole limit is let through once that window is empty, rather
    /// than never (GitHub would refuse the excess, and the reporter pauses on that).
    public func nextSlot(cost: Int, priority: GitHubWrite.Priority, now: Date) -> Date {
        var slot = now
        for limit in configuration.limits {
            let cap = cap(limit, for: priority)
            let inWindow = charges.filter { $0.at > now.addingTimeInterval(-limit.window) }
            var used = inWindow.reduce(0) { $0 + $1.cost }
            let needed = min(cost, cap)
            guard used + needed > cap else { continue }
            for charge in inWindow {
                used -= charge.cost
                if used + needed <= cap {
                    slot = max(slot, charge.at.addingTimeInterval(limit.window))
                    break
                }
            }
        }
        return slot
    }

    /// Whether a write may be sent now.
    public func maySend(cost: Int, priority: GitHubWrite.Priority, now: Date) -> Bool {
        nextSlot(cost: cost, priority: priority, now: now) <= now
    }

    /// Records `cost` write requests made at `at` (the time the answer came back, which is never
    /// earlier than GitHub counted them, so the windows here close no sooner than GitHub's).
    public mutating func charge(_ cost: Int, at: Date) {
        guard cost > 0, !configuration.limits.isEmpty else { return }
        let index = charges.lastIndex { $0.at <= at }.map { $0 + 1 } ?? 0
        charges.insert((at, cost), at: index)
        let longest = configuration.limits.map(\.window).max() ?? 0
        let horizon = at.addingTimeInterval(-longest)
        let keep = charges.firstIndex { $0.at > horizon } ?? charges.count
        if keep > 0 { charges.removeFirst(keep) }
    }

    /// Write requests counted in the window of `limit` ending at `now`.
    public func used(_ limit: Limit, now: Date) -> Int {
        charges.filter { $0.at > now.addingTimeInterval(-limit.window) }.reduce(0) { $0 + $1.cost }
    }
}
