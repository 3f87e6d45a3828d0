import Synchronization
import Testing

@testable import AWSCore

/// A manual clock: time moves only when the test says so.
final class ManualTime: Sendable {
    private let current = Mutex(ContinuousClock.now)
    private let slept = Mutex<[Duration]>([])

    var now: ContinuousClock.Instant { current.withLock { $0 } }
    var sleeps: [Duration] { slept.withLock { $0 } }

    func advance(_ duration: Duration) { current.withLock { $0 = $0.advanced(by: duration) } }
    func recordSleep(_ duration: Duration) { slept.withLock { $0.append(duration) } }
}

@Suite struct RateLimiterTests {
    @Test func burstPassesThenRequestsAreSpacedAtTheRate() async throws {
        let time = ManualTime()
        let limiter = RateLimiter(requestsPerSecond: 10, burst: 2, now: { time.now }, sleep: { time.recordSleep($0) })
        #expect(await limiter.reserve() == .zero)
        #expect(await limiter.reserve() == .zero)
        let third = await limiter.reserve()
        let fourth = await limiter.reserve()
        #expect(abs(third - .milliseconds(100)) < .milliseconds(1))
        #expect(abs(fourth - .milliseconds(200)) < .milliseconds(1))
    }

    @Test func tokensRefillOverTimeUpToTheBurst() async {
        let time = ManualTime()
        let limiter = RateLimiter(requestsPerSecond: 10, burst: 3, now: { time.now }, sleep: { time.recordSleep($0) })
        for _ in 0..<3 { _ = await limiter.reserve() }
        time.advance(.seconds(10))
        for _ in 0..<3 { #expect(await limiter.reserve() == .zero) }
        #expect(await limiter.reserve() > .zero)
    }

    @Test func acquireSleepsForTheReservedWait() async throws {
        let time = ManualTime()
        let limiter = RateLimiter(requestsPerSecond: 5, burst: 1, now: { time.now }, sleep: { time.recordSleep($0); time.advance($0) })
        try await limiter.acquire()
        try await limiter.acquire()
        #expect(time.sleeps.count == 1)
        #expect(abs(time.sleeps[0] - .milliseconds(200)) < .milliseconds(1))
    }

    /// Under 200 concurrent callers the spacing still holds: reservations are serialised by the actor.
    @Test func concurrentCallersAreSpacedWithoutOverlap() async {
        let time = ManualTime()
        let limiter = RateLimiter(requestsPerSecond: 100, burst: 1, now: { time.now }, sleep: { time.recordSleep($0) })
        let waits = await withTaskGroup(of: Duration.self) { group in
            for _ in 0..<200 { group.addTask { await limiter.reserve() } }
            var all: [Duration] = []
            for await wait in group { all.append(wait) }
            return all.sorted()
        }
        #expect(waits.first == .zero)
        for (index, wait) in waits.enumerated() {
            #expect(abs(wait - .milliseconds(10 * index)) < .milliseconds(1))
        }
    }

    /// A cut in the rate also slows callers already waiting: a waiter re-checks when it wakes, so its
    /// wait computed at the old rate does not let it through early.
    @Test func aCutSlowsCallersAlreadyWaiting() async throws {
        let time = ManualTime()
        let holder = Mutex<RateLimiter?>(nil)
        let cutDone = Mutex(false)
        let limiter = RateLimiter(requestsPerSecond: 10, burst: 1, now: { time.now }, sleep: { duration in
            time.recordSleep(duration)
            // AWS throttles someone else's call while this caller sleeps on its wait at 10/s.
            if !cutDone.withLock({ let was = $0; $0 = true; return was }) { await holder.withLock { $0 }!.record(.throttled) }
            time.advance(duration)
        })
        holder.withLock { $0 = limiter }
        #expect(await limiter.reserve() == .zero)
        #expect(abs(await limiter.reserve() - .milliseconds(100)) < .milliseconds(1))
        // Ticket 2 would go after 200 ms at 10/s; cut to 5/s while it waits, it goes after 400 ms.
        try await limiter.acquire()
        #expect(await limiter.currentRate == 5)
        #expect(time.sleeps.count == 2, "slept \(time.sleeps)")
        let slept = time.sleeps.reduce(Duration.zero, +)
        #expect(abs(slept - .milliseconds(400)) < .milliseconds(2), "slept \(time.sleeps)")
    }

    /// An older operation's call goes before newer ones already waiting (`PacingPriority`).
    @Test func olderOperationsGoFirst() async {
        let time = ManualTime()
        let limiter = RateLimiter(requestsPerSecond: 10, burst: 1, now: { time.now }, sleep: { time.recordSleep($0) })
        #expect(await limiter.reserve() == .zero)
        let newer = time.now.advanced(by: .seconds(5))
        let older = time.now.advanced(by: .seconds(-5))
        let first = await PacingPriority.$startedAt.withValue(newer) { await limiter.reserve() }
        let second = await PacingPriority.$startedAt.withValue(newer) { await limiter.reserve() }
        let jumped = await PacingPriority.$startedAt.withValue(older) { await limiter.reserve() }
        #expect(abs(first - .milliseconds(100)) < .milliseconds(1))
        #expect(abs(second - .milliseconds(200)) < .milliseconds(1))
        #expect(abs(jumped - .milliseconds(100)) < .milliseconds(1), "the older operation's call goes first: \(jumped)")
    }

    /// A cut drops the burst saved while idle: it must not let a full burst through at the old size.
    @Test func aCutDropsTheSavedBurst() async {
        let time = ManualTime()
        let limiter = RateLimiter(requestsPerSecond: 10, burst: 10, now: { time.now }, sleep: { time.recordSleep($0) })
        await limiter.record(.throttled)
        time.advance(.seconds(60))
        // At 5/s the burst is 5: five pass at once, the sixth waits.
        for _ in 0..<5 { #expect(await limiter.reserve() == .zero) }
        #expect(await limiter.reserve() > .zero)
    }

    /// Successes bring the rate back up to the ceiling, and no further.
    @Test func successesRecoverTheRateToTheCeiling() async {
        let time = ManualTime()
        let limiter = RateLimiter(requestsPerSecond: 10, now: { time.now }, sleep: { time.recordSleep($0) })
        await limiter.record(.throttled)
        #expect(await limiter.currentRate == 5)
        for _ in 0..<120 {
            time.advance(.seconds(1))
            await limiter.record(.succeeded)
        }
        #expect(await limiter.currentRate == 10)
    }

    /// With static pacing (a decrease of 1) throttling changes nothing.
    @Test func staticPacingIgnoresThrottling() async {
        let limiter = RateLimiter(requestsPerSecond: 10, pacing: AdaptivePacing(ceiling: 10, decrease: 1))
        await limiter.record(.throttled)
        #expect(await limiter.currentRate == 10)
    }

    /// A caller cancelled while waiting gives its ticket back: the one behind it does not wait for it.
    @Test func aCancelledWaiterGivesItsTicketBack() async throws {
        let time = ManualTime()
        struct Stop: Error {}
        let first = Mutex(true)
        let limiter = RateLimiter(requestsPerSecond: 10, burst: 1, now: { time.now }, sleep: { duration in
            time.recordSleep(duration)
            if first.withLock({ let was = $0; $0 = false; return was }) { throw Stop() }
        })
        #expect(await limiter.reserve() == .zero)
        await #expect(throws: Stop.self) { try await limiter.acquire() }
        // Ticket 1 was given back: ticket 2 waits one interval, not two.
        #expect(abs(await limiter.reserve() - .milliseconds(100)) < .milliseconds(1))
    }
}

func abs(_ duration: Duration) -> Duration { duration < .zero ? .zero - duration : duration }
