import Foundation
import Orchestrator
import Testing

/// Node writes: the executor's hot path, written before and after every provider call.
extension StateStoreContract {
    /// Insert, then update, one node; the others stay as they were, and the record's `updatedAt`
    /// follows the newest node write but never goes back.
    static func saveNodeUpsertsOneNode(_ store: any StateStore) async throws {
        let record = StateStoreFixtures.record()
        try await store.save(record)
        var expected = record

        var node = StateStoreFixtures.node("fresh", status: .creating, type: "aws/codebuild-project", seconds: 100)
        try await store.saveNode(record.key, node)
        expected.nodes[node.id] = node
        expected.updatedAt = node.updatedAt
        #expect(try await store.load(record.key) == expected)

        node.status = .created
        node.outputs = ["name": "acme-web-pr-5-fresh", "arn": "arn:aws:codebuild:eu-west-1:1:project/x"]
        node.physicalName = "acme-web-pr-5-fresh"
        node.updatedAt = node.updatedAt.addingTimeInterval(100)
        try await store.saveNode(record.key, node)
        expected.nodes[node.id] = node
        expected.updatedAt = node.updatedAt
        #expect(try await store.load(record.key) == expected)

        var stale = try #require(record.nodes["created-node"])
        stale.status = .failed
        stale.lastError = "late report"
        stale.updatedAt = StateStoreFixtures.date.addingTimeInterval(-1000)
        try await store.saveNode(record.key, stale)
        expected.nodes[stale.id] = stale
        #expect(try await store.load(record.key) == expected)
        #expect(try await store.list() == [expected])
    }

    static func saveNodeWithoutRecordThrowsNotFound(_ store: any StateStore) async throws {
        let missing = StateStoreFixtures.key("acme/api")
        try await store.save(StateStoreFixtures.record(StateStoreFixtures.key("acme/web")))
        await #expect(throws: StateStoreError.notFound(missing)) {
            try await store.saveNode(missing, StateStoreFixtures.node("orphan"))
        }
        #expect(try await store.load(missing) == nil)
        #expect(try await store.list().count == 1)
    }

    /// 50 tasks write 50 distinct nodes, then update them all, at once: none may be lost.
    static func concurrentNodeWritesAllLand(_ store: any StateStore) async throws {
        let record = StateStoreFixtures.record(nodes: [:])
        try await store.save(record)
        let count = 50
        for status in [NodeStatus.creating, .created] {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<count {
                    group.addTask {
                        try await store.saveNode(record.key, StateStoreFixtures.node("node-\(index)", status: status))
                    }
                }
                try await group.waitForAll()
            }
            let loaded = try #require(try await store.load(record.key))
            #expect(loaded.nodes.count == count)
            #expect(loaded.nodes.values.allSatisfy { $0.status == status })
        }
    }

    /// Quotes, SQL, backslashes, newlines, control characters and non-ASCII text in every string
    /// field, keys included, come back byte for byte.
    static func hostileStringsRoundTrip(_ store: any StateStore) async throws {
        var records: [EnvironmentRecord] = []
        for (index, text) in StateStoreFixtures.hostileStrings.enumerated() {
            var node = StateStoreFixtures.node("node \(text)", status: .failed)
            node.properties[text] = .map([text: .list([.string(text), .unknown(source: text)])])
            node.outputs[text] = text
            node.dependencies.insert(text)
            node.physicalName = text
            node.lastError = text
            var record = StateStoreFixtures.record(
                StateStoreFixtures.key("acme/\(text)", pr: index, blueprint: text),
                state: .failed(sha: text, reason: text), nodes: [node.id: node])
            record.envName = text
            record.headSHA = text
            try await store.save(record)
            records.append(record)
        }
        for record in records {
            #expect(try await store.load(record.key) == record)
        }
        #expect(try await store.list() == records.sorted { $0.key < $1.key })
    }

    /// Executors stamp `Date()`; backends keep at least milliseconds of it.
    static func subSecondDates(_ store: any StateStore) async throws {
        let date = Date(timeIntervalSince1970: 1_700_000_000.123_456)
        var record = StateStoreFixtures.record(nodes: [:])
        record.updatedAt = date
        try await store.save(record)
        var node = StateStoreFixtures.node("timed")
        node.updatedAt = date.addingTimeInterval(0.5)
        try await store.saveNode(record.key, node)
        let loaded = try #require(try await store.load(record.key))
        #expect(abs(loaded.updatedAt.timeIntervalSince(node.updatedAt)) < 0.001)
        #expect(abs((loaded.nodes["timed"]?.updatedAt ?? .distantPast).timeIntervalSince(node.updatedAt)) < 0.001)
    }
}
