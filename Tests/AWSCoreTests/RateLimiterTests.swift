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
        let limiter = RateLimiter(requestsPerSecond: 5, burst: 1, now: { time.now }, sleep: { time.recordSleep($0) })
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
}

func abs(_ duration: Duration) -> Duration { duration < .zero ? .zero - duration : duration }
