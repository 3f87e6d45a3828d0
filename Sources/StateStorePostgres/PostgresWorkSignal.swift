import Foundation
import Logging
import Orchestrator
import PostgresNIO

/// Wake-ups between replicas over PostgreSQL `LISTEN/NOTIFY` on the channel `prenv_work`.
///
/// `signal` notifies through the pool; each `signals()` stream listens on a connection of its own
/// (a `LISTEN` belongs to its session) and, when that connection drops, reconnects with a growing
/// pause and listens again. Notifications sent while it was down are lost, which a hint may be:
/// the replica's `unownedWork()` poll finds that work anyway. A quiet `SELECT 1` on the listening
/// connection every `keepAlive` notices a connection that died without saying so.
///
/// A payload is untrusted: anyone who may connect to the database may `NOTIFY prenv_work`. Only
/// text shaped like a PR key (`owner/name#N`, GitHub's characters and lengths) is passed on; the
/// rest is dropped with a debug line.
public final class PostgresWorkSignal: WorkSignal {
    /// The `LISTEN/NOTIFY` channel; the inbox notifies it too when it records an event.
    public static let channel = "prenv_work"

    /// Pauses between reconnection attempts: `initial`, doubling up to `maximum`.
    public struct Backoff: Sendable {
        public var initial: Duration
        public var maximum: Duration

        public init(initial: Duration = .milliseconds(200), maximum: Duration = .seconds(10)) {
            self.initial = initial
            self.maximum = maximum
        }

        func pause(afterFailures failures: Int) -> Duration {
            var pause = initial
            for _ in 1..<max(failures, 1) where pause < maximum { pause *= 2 }
            return min(pause, maximum)
        }
    }

    private let client: PostgresClient
    private let sessions: PostgresLeaseSessions
    private let replica: String
    private let logger: Logger
    private let backoff: Backoff
    private let keepAlive: Duration

    /// `replica` names the listening connections (`prenv signal <replica>`) in `pg_stat_activity`.
    public init(
        client: PostgresClient, sessions: PostgresLeaseSessions, replica: String, logger: Logger,
        backoff: Backoff = Backoff(), keepAlive: Duration = .seconds(30)
    ) {
        self.client = client
        self.sessions = sessions
        self.replica = replica
        self.logger = logger
        self.backoff = backoff
        self.keepAlive = keepAlive
    }

    public func signal(_ key: String) async throws {
        try await coordinating("signal work on \(key)") {
            try await client.query("SELECT pg_notify(\(Self.channel), \(key))", logger: logger)
        }
    }

    public func signals() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        let listening = Task { [self] in
            await listen(into: continuation)
            continuation.finish()
        }
        continuation.onTermination = { _ in listening.cancel() }
        return stream
    }

    /// Listens until the task is cancelled (the stream's consumer stopped), reconnecting after drops.
    private func listen(into continuation: AsyncStream<String>.Continuation) async {
        var failures = 0
        while !Task.isCancelled {
            do {
                try await session(into: continuation) {
                    if failures > 0 { logger.info("listening for work signals again", metadata: ["attempts": "\(failures)"]) }
                    failures = 0
                }
            } catch {
                if Task.isCancelled || error is CancellationError { return }
                failures += 1
                let described = PostgresLeaseError.wrapping(error, operation: "listen for work signals")
                if failures == 1 {
                    logger.warning("work signals interrupted; reconnecting (work is still found by polling)", metadata: ["error": "\(described)"])
                } else {
                    logger.debug("work signals still unavailable", metadata: ["attempts": "\(failures)", "error": "\(described)"])
                }
            }
            try? await Task.sleep(for: backoff.pause(afterFailures: failures))
        }
    }

    /// One connection's life: connect, `LISTEN`, deliver until it ends; always closes it. Returns
    /// only when cancelled; a connection that ends throws.
    private func session(into continuation: AsyncStream<String>.Continuation, listening: () -> Void) async throws {
        let connection = try await sessions.connect(name: "prenv signal \(replica)", logger: logger)
        do {
            try await connection.listen(on: Self.channel) { notifications in
                listening()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await self.checkAlive(connection) }
                    group.addTask {
                        for try await notification in notifications { self.deliver(notification.payload, to: continuation) }
                    }
                    // Whichever ends first, the notifications ending included, means the session is over.
                    defer { group.cancelAll() }
                    try await group.next()
                }
            }
        } catch {
            await closeQuietly(connection)
            throw error
        }
        await closeQuietly(connection)
        try Task.checkCancellation()
        throw PostgresLeaseError(operation: "listen for work signals", reason: "the connection closed")
    }

    /// Fails when the listening connection no longer answers, so a silently dead one is replaced.
    private func checkAlive(_ connection: PostgresConnection) async throws {
        while true {
            try await Task.sleep(for: keepAlive)
            _ = try await within(keepAlive, on: connection, "check the work signal connection") { connection in
                try await connection.query("SELECT 1", logger: self.logger)
                return true
            }
        }
    }

    private func deliver(_ payload: String, to continuation: AsyncStream<String>.Continuation) {
        guard Self.isWorkKey(payload) else {
            logger.debug("ignored a work signal that is not a PR key", metadata: ["bytes": "\(payload.utf8.count)"])
            return
        }
        continuation.yield(payload)
    }

    /// Whether `text` is shaped like a PR key, `owner/name#N`: owner 1–39 of `A-Z a-z 0-9 - _` (`_`
    /// for Enterprise Managed Users' `handle_shortcode` logins), name
    /// 1–100 of `A-Z a-z 0-9 . _ -`, N 1–10 digits without a leading zero.
    public static func isWorkKey(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count <= 39 + 1 + 100 + 1 + 10,
              let slash = bytes.firstIndex(of: UInt8(ascii: "/")),
              let hash = bytes.lastIndex(of: UInt8(ascii: "#")), slash < hash else { return false }
        let owner = bytes[..<slash], name = bytes[(slash + 1)..<hash], number = bytes[(hash + 1)...]
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        let ownerOK = (1...39).contains(owner.count) && owner.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
        let nameOK = (1...100).contains(name.count)
            && name.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
        let numberOK = (1...10).contains(number.count) && number.first != UInt8(ascii: "0")
            && number.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        return ownerOK && nameOK && numberOK
    }
}
