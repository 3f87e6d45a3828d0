import Foundation
import Synchronization

/// Leases in one process: the reference `LeaseStore` for engine tests, where several supervisors share
/// it as replicas would share PostgreSQL, with a clock the test controls.
public actor InMemoryLeaseStore: LeaseStore {
    private var leases: [String: PullRequestLease] = [:]
    private var lastToken: [String: Int64] = [:]
    private let now: @Sendable () -> Date
    /// Asked by `unownedWork()`: the keys that have work, whoever holds them.
    private let work: @Sendable () async throws -> [String]

    public init(now: @escaping @Sendable () -> Date = Date.init, work: @escaping @Sendable () async throws -> [String] = { [] }) {
        self.now = now
        self.work = work
    }

    public func acquire(_ key: String, holder: String, for duration: Duration) -> PullRequestLease? {
        let now = now()
        if let held = leases[key], held.expiresAt > now, held.holder != holder { return nil }
        let token: Int64
        if let held = leases[key], held.holder == holder, held.expiresAt > now {
            token = held.token
        } else {
            token = (lastToken[key] ?? 0) + 1
        }
        lastToken[key] = token
        let lease = PullRequestLease(key: key, holder: holder, token: token, expiresAt: now.addingTimeInterval(duration.seconds))
        leases[key] = lease
        return lease
    }

    public func renew(_ lease: PullRequestLease, for duration: Duration) -> PullRequestLease? {
        let now = now()
        guard let held = leases[lease.key], held.holder == lease.holder, held.token == lease.token, held.expiresAt > now else { return nil }
        var renewed = held
        renewed.expiresAt = now.addingTimeInterval(duration.seconds)
        leases[lease.key] = renewed
        return renewed
    }

    public func release(_ lease: PullRequestLease) {
        guard let held = leases[lease.key], held.holder == lease.holder, held.token == lease.token else { return }
        leases[lease.key] = nil
    }

    public func unownedWork() async throws -> [String] {
        let keys = try await work()
        let now = now()
        return keys.filter { key in leases[key].map { $0.expiresAt <= now } ?? true }
    }

    /// Whether `lease` is still the current one of its key: what a fencing store checks on write.
    public func isCurrent(_ lease: PullRequestLease) -> Bool {
        leases[lease.key]?.token == lease.token && lastToken[lease.key] == lease.token
    }
}

/// Signals within one process, for engine tests and the single-replica server.
public final class InProcessWorkSignal: WorkSignal {
    private final class Listeners: Sendable {
        let continuations = Mutex<[UUID: AsyncStream<String>.Continuation]>([:])
    }

    private let listeners = Listeners()

    public init() {}

    public func signal(_ key: String) {
        listeners.continuations.withLock { all in for continuation in all.values { continuation.yield(key) } }
    }

    public func signals() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        let id = UUID()
        listeners.continuations.withLock { $0[id] = continuation }
        continuation.onTermination = { [listeners] _ in _ = listeners.continuations.withLock { $0.removeValue(forKey: id) } }
        return stream
    }
}

/// The single replica always leads.
public struct SoleLeader: LeaderElection {
    public init() {}
    public func isLeader() async -> Bool { true }
    public func resign() async {}
}

extension Duration {
    /// Whole and fractional seconds, for `Date` arithmetic.
    public var seconds: TimeInterval {
        let (whole, attoseconds) = components
        return TimeInterval(whole) + TimeInterval(attoseconds) / 1e18
    }
}
