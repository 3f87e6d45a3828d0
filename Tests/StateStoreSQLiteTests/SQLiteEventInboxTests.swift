import Foundation
import Orchestrator
import StateStoreContract
import StateStoreSQLite
import Testing

/// The inbox contract on SQLite, plus what only a file can show: crash-resume and migrations.
@Suite struct SQLiteEventInboxTests {
    @Test(arguments: EventInboxContract.allCases)
    func contract(_ check: EventInboxContract) async throws {
        try await withTemporaryDirectory { directory in
            try await check.run(on: SQLiteEventInbox(path: directory + "/state.sqlite"))
        }
    }

    /// The crash-resume case: a new inbox on the same file (the restarted server) sees what the
    /// old one recorded, pending and processed alike, and still rejects redeliveries.
    @Test func eventsSurviveReopeningTheFile() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/state.sqlite"
            var sequences: [Int64] = []
            do {
                let before = try SQLiteEventInbox(path: path)
                for id in ["a", "b", "c"] { sequences.append(try await EventInboxFixtures.append(before, id).sequence) }
                try await EventInboxFixtures.append(before, "x", key: "acme/api#5")
                try await before.markProcessed(key: "acme/web#5", through: sequences[0])
            }
            let after = try SQLiteEventInbox(path: path)
            #expect(try await after.pendingKeys() == ["acme/api#5", "acme/web#5"])
            #expect(try await after.pending(key: "acme/web#5").map(\.deliveryID) == ["b", "c"])
            #expect(try await EventInboxFixtures.append(after, "a") == .duplicate(sequence: sequences[0]))
            #expect(try await EventInboxFixtures.append(after, "d").sequence > sequences[2])
        }
    }

    /// The inbox and the state store share one file, each with its own connection.
    @Test func inboxAndStateStoreShareTheFile() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/state.sqlite"
            let store = try SQLiteStateStore(path: path)
            let inbox = try SQLiteEventInbox(path: path)
            let record = StateStoreFixtures.record()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await store.save(record) }
                for index in 0..<20 { group.addTask { try await EventInboxFixtures.append(inbox, "d\(index)") } }
                try await group.waitForAll()
            }
            #expect(try await store.load(record.key) == record)
            #expect(try await inbox.pending(key: "acme/web#5").count == 20)
            #expect(try rawSQL(path, "PRAGMA journal_mode") == ["wal"])
        }
    }

    /// One line for the lead to quote: durable (synchronous=FULL, one fsync per append) intake rate.
    @Test func measureSequentialAppendRate() async throws {
        try await withTemporaryDirectory { directory in
            let inbox = try SQLiteEventInbox(path: directory + "/state.sqlite")
            let payload = Data(repeating: 0x7B, count: 8 * 1024)
            let count = 1000
            let clock = ContinuousClock()
            let elapsed = try await clock.measure {
                for index in 0..<count {
                    _ = try await inbox.append(
                        deliveryID: "d\(index)", contentKey: "c\(index)", event: "pull_request", key: "acme/web#\(index % 10)",
                        payload: payload, receivedAt: EventInboxFixtures.date)
                }
            }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print("SQLiteEventInbox: \(count) sequential appends (8 KiB, synchronous=FULL) in "
                + "\(String(format: "%.3f", seconds)) s = \(Int(Double(count) / seconds)) appends/s")
            #expect(try await inbox.pendingKeys().count == 10)
        }
    }
}

@Suite struct SQLiteWorkerStoreTests {
    @Test(arguments: WorkerStoreContract.allCases)
    func contract(_ check: WorkerStoreContract) async throws {
        try await withTemporaryDirectory { directory in
            try await check.run(on: SQLiteStateStore(path: directory + "/state.sqlite"))
        }
    }

    /// A restarted server reads the workers the killed one saved.
    @Test func workersSurviveReopeningTheFile() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/state.sqlite"
            try await SQLiteStateStore(path: path).saveWorker(WorkerStoreContract.record(revision: 3, sha: "kept"))
            #expect(try await SQLiteStateStore(path: path).workers().map(\.pullRequest.headSHA) == ["kept"])
        }
    }

    /// One PR's records by its lease key (a `WHERE` on the key's columns), sorted by blueprint; a
    /// PR number that only shares a prefix (5 and 55), another repository or a malformed key gives none.
    @Test func workersOfOneLeaseKey() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteStateStore(path: directory + "/state.sqlite")
            func record(_ repository: String, _ pr: Int, _ blueprint: String) -> WorkerRecord {
                var record = WorkerStoreContract.record(revision: 1, pr: pr)
                record.key = EnvironmentKey(repository: repository, pr: pr, blueprint: blueprint)
                return record
            }
            for saved in [record("acme/web", 5, "zeta"), record("acme/web", 5, "alpha"), record("acme/web", 55, "alpha"),
                          record("acme/web2", 5, "alpha"), record("acme/we", 5, "alpha")] {
                try await store.saveWorker(saved)
            }
            #expect(try await store.workers(leaseKey: "acme/web#5").map(\.key.blueprint) == ["alpha", "zeta"])
            #expect(try await store.workers(leaseKey: "acme/web#5").allSatisfy { $0.key.leaseKey == "acme/web#5" })
            #expect(try await store.workers(leaseKey: "acme/web#55").map(\.key) == [EnvironmentKey(repository: "acme/web", pr: 55, blueprint: "alpha")])
            #expect(try await store.workers(leaseKey: "acme/web#6").isEmpty)
            #expect(try await store.workers(leaseKey: "acme/web").isEmpty)
            #expect(try await store.workers(leaseKey: "acme/web#x").isEmpty)
            // The same answer as filtering every record (the protocol's default).
            let all = try await store.workers()
            for key in ["acme/web#5", "acme/web#55", "acme/web2#5", "acme/we#5"] {
                #expect(try await store.workers(leaseKey: key) == all.filter { $0.key.leaseKey == key })
            }
        }
    }
}
