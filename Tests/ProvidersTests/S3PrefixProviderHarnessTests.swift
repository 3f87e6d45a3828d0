import AWSCore
import AWSServices
import Blueprint
import Foundation
import LocalAWSSupport
import Orchestrator
import Providers
import Testing

/// One S3-prefix test's world: its own access key (so call counts and faults are its own), its own
/// bucket, and a separate seeding client so the provider's calls can be counted alone.
struct S3PrefixHarness {
    let accessKey = LocalAWS.uniqueAccessKey()
    let bucket = LocalAWS.uniqueName("prenv-pfx")
    let seeder = S3(client: LocalAWS.client())
    let context: ProvisionContext
    let events = S3PrefixEvents()

    init(env: String = LocalAWS.uniqueName("env")) {
        context = ProvisionContext(envName: env, key: EnvironmentKey(repository: "acme/webapp", pr: 7, blueprint: "webapp"), headSHA: "abc123")
    }

    var client: AWSClient { LocalAWS.client(credentials: LocalAWS.credentials(accessKey: accessKey)) }
    var provider: S3PrefixProvider { S3PrefixProvider(client: client) }

    /// Creates the test's bucket with the seeding client (not counted against `accessKey`).
    static func withBucket(env: String = LocalAWS.uniqueName("env")) async throws -> S3PrefixHarness {
        try await LocalAWS.requireRunning()
        let harness = S3PrefixHarness(env: env)
        try await harness.seeder.createBucket(harness.bucket)
        return harness
    }

    func properties(prefix: String = "site/pr-7/", createBucket: Bool = false) -> [String: RenderedValue] {
        ["bucket": .string(bucket), "prefix": .string(prefix), "create_bucket": .bool(createBucket)]
    }

    func request(_ properties: [String: RenderedValue], action: ApplyAction = .create, previous: NodeRecord? = nil) -> ApplyRequest {
        ApplyRequest(nodeID: "artifacts", action: action, properties: properties, previous: previous, context: context,
                     progress: { [events] in events.append($0) })
    }

    /// The record the executor would keep after `result`.
    func record(_ properties: [String: RenderedValue], _ result: ApplyResult?, status: NodeStatus = .created) -> NodeRecord {
        NodeRecord(id: "artifacts", type: .s3Prefix, status: status, properties: properties, outputs: result?.outputs ?? [:],
                   physicalName: result?.physicalName, updatedAt: Date())
    }

    func destroy(_ record: NodeRecord, context: ProvisionContext? = nil) async throws {
        try await provider.destroy(record, context: context ?? self.context, progress: { [events] in events.append($0) })
    }

    func put(_ keys: [String], bucket: String? = nil) async throws {
        let bucket = bucket ?? self.bucket
        try await withThrowingTaskGroup(of: Void.self) { group in
            for start in stride(from: 0, to: keys.count, by: 100) {
                group.addTask { [seeder] in
                    for key in keys[start..<min(start + 100, keys.count)] { try await seeder.putObject(bucket: bucket, key: key, body: Data("x".utf8)) }
                }
            }
            try await group.waitForAll()
        }
    }

    func keys(_ prefix: String = "") async throws -> [String] {
        try await seeder.listObjectsV2(bucket: bucket, prefix: prefix).map(\.key).sorted()
    }

    func calls() async throws -> [String: Int] { try await LocalAWS.callCounts(accessKey: accessKey) }

    /// S3 writes: the local endpoint counts S3 calls by HTTP method.
    func writes() async throws -> Int {
        try await calls().filter { ["s3.PUT", "s3.POST", "s3.DELETE"].contains($0.key) }.values.reduce(0, +)
    }
}

/// Progress messages a provider reported, collected across tasks.
final class S3PrefixEvents: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    func append(_ message: String) { lock.withLock { messages.append(message) } }
    var all: [String] { lock.withLock { messages } }
}
