import Foundation
import Orchestrator
import StateStoreContract
@testable import StateStoreSQLite
import Testing

/// What the file keeps: across reopening, across a crash, and with two processes on one file.
@Suite struct SQLiteDurabilityTests {
    @Test func recordsPersistAcrossReopen() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/state.sqlite"
            var expected = StateStoreFixtures.record()
            do {
                let store = try SQLiteStateStore(path: path)
                try await store.save(expected)
                let node = StateStoreFixtures.node("late", status: .creating, seconds: 300)
                try await store.saveNode(expected.key, node)
                expected.nodes[node.id] = node
                expected.updatedAt = node.updatedAt
            }
            let reopened = try SQLiteStateStore(path: path)
            #expect(try await reopened.load(expected.key) == expected)
        }
    }

    /// The instance id is part of the state: a restart (or `up`, `down`, `gc`) on the same file
    /// gets the id the first start made.
    @Test func instanceIDPersistsAcrossReopen() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/state.sqlite"
            let first = try await SQLiteStateStore(path: path).instanceID(proposing: "prenv-aaaaaaaaaaaa")
            let again = try await SQLiteStateStore(path: path).instanceID(proposing: "prenv-bbbbbbbbbbbb")
            #expect(first == "prenv-aaaaaaaaaaaa" && again == first)
        }
    }

    /// A `kill -9` leaves the files as they are at that instant, connection still open. Copying
    /// the database and its WAL while the store is live and opening the copy is that crash: every
    /// committed node write must be in it.
    @Test func committedNodeWriteSurvivesACrash() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/state.sqlite"
            let store = try SQLiteStateStore(path: path)
            let record = StateStoreFixtures.record(nodes: [:])
            try await store.save(record)
            let node = StateStoreFixtures.node("in-flight", status: .creating, seconds: 120)
            try await store.saveNode(record.key, node)

            let crashed = directory + "/crashed"
            try FileManager.default.createDirectory(atPath: crashed, withIntermediateDirectories: false)
            #expect(FileManager.default.fileExists(atPath: path + "-wal"))
            for suffix in ["", "-wal"] {
                try FileManager.default.copyItem(atPath: path + suffix, toPath: crashed + "/state.sqlite" + suffix)
            }
            let recovered = try #require(try await SQLiteStateStore(path: crashed + "/state.sqlite").load(record.key))
            #expect(recovered.nodes["in-flight"] == node)
            _ = try await store.list()  // the original stays open until after the copy was read
        }
    }

    /// Two processes sharing one file (two connections here): writes interleave through the busy
    /// timeout and none is lost.
    @Test func twoConnectionsWriteTheSameFile() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/state.sqlite"
            let first = try SQLiteStateStore(path: path)
            let second = try SQLiteStateStore(path: path)
            let record = StateStoreFixtures.record(nodes: [:])
            try await first.save(record)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    let store = index.isMultiple(of: 2) ? first : second
                    group.addTask { try await store.saveNode(record.key, StateStoreFixtures.node("n\(index)")) }
                }
                try await group.waitForAll()
            }
            #expect(try await first.load(record.key)?.nodes.count == 40)
            #expect(try await second.load(record.key)?.nodes.count == 40)
        }
    }

    @Test func connectionSettingsAreTheDocumentedOnes() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteStateStore(path: directory + "/state.sqlite")
            #expect(try await store.pragma("journal_mode") == "wal")
            #expect(try await store.pragma("synchronous") == "2")  // FULL
            #expect(try await store.pragma("foreign_keys") == "1")
            #expect(try await store.pragma("busy_timeout") == "5000")
            #expect(try await store.pragma("cache_size") == "-512")  // KiB: SQLite's cache is resident heap
        }
    }

    @Test func deleteCascadesToNodeRows() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/state.sqlite"
            let store = try SQLiteStateStore(path: path)
            let record = StateStoreFixtures.record()
            try await store.save(record)
            #expect(try rawSQL(path, "SELECT count(*) FROM nodes") == ["\(record.nodes.count)"])
            try await store.delete(record.key)
            #expect(try rawSQL(path, "SELECT count(*) FROM nodes") == ["0"])
        }
    }

    @Test func createsMissingParentDirectories() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/a/b/.prenv/state.sqlite"
            try await SQLiteStateStore(path: path).save(StateStoreFixtures.record())
            #expect(FileManager.default.fileExists(atPath: path))
        }
    }
}
