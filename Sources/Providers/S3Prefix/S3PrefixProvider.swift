import AWSCore
import AWSServices
import Blueprint
import Orchestrator

/// `aws/s3-prefix`: a key prefix in a bucket that holds one environment's artifacts.
///
/// A prefix has no tags of its own, so ownership lives in a marker object under it
/// (`S3PrefixMarker`). prenv never writes into, or deletes from, a prefix whose marker names another
/// environment, nor one that holds data but no marker. A bucket is created (and later deleted) only
/// with `create_bucket: true`; such a bucket carries the environment's tags, so destroy can tell a
/// bucket prenv made from a shared one even after a crash lost the record's outputs.
public struct S3PrefixProvider: ResourceProvider {
    public var type: ResourceType { .s3Prefix }
    let s3: S3

    public init(client: AWSClient) {
        s3 = S3(client: client)
    }

    /// Output key saying whether this environment created (and so owns) the bucket: `true`/`false`.
    public static let bucketCreatedOutput = "bucket_created"

    public func apply(_ request: ApplyRequest) async throws -> ApplyResult {
        let spec = try S3PrefixSpec(properties: request.properties)
        let bucketOwned = try await ensureBucket(spec, context: request.context, progress: request.progress)
        request.progress("checking prefix \(spec.uri)")
        let desired = S3PrefixMarker(tags: request.context.tags)
        let existing = try await readOwnMarker(spec)
        if let existing { try requireOwned(existing, spec, context: request.context) }
        let keys = try await listKeys(spec)
        try await requireNoOverlap(spec, keys: keys, context: request.context)
        if let existing {
            if existing.matches(desired) {
                request.progress("marker \(spec.markerKey) is up to date")
            } else {
                request.progress("updating marker \(spec.markerKey)")
                try await updateMarker(spec, desired, replacing: existing, context: request.context)
            }
        } else {
            let data = keys.filter { $0 != spec.markerKey }
            if !data.isEmpty, !Self.triedBefore(spec, previous: request.previous) {
                throw ProviderError.foreignResource(
                    kind: "S3 prefix", name: spec.uri, detail: "it already holds objects (e.g. \(S3Keys.printable(data[0]))) and no prenv marker")
            }
            if !data.isEmpty { request.progress("adopting objects under \(spec.uri) left by an earlier attempt") }
            request.progress("writing marker \(spec.markerKey)")
            if try await createMarker(spec, desired, context: request.context, progress: request.progress) {
                try await recheckOverlap(spec, context: request.context)
            }
        }
        return ApplyResult(
            outputs: ["bucket": spec.bucket, "prefix": spec.prefix, "uri": spec.uri, Self.bucketCreatedOutput: String(bucketOwned)],
            physicalName: spec.uri)
    }

    /// Check-after-write: an overlapping prefix created while we wrote our marker is seen now, and our
    /// fresh marker is removed again, so at most one of two overlapping environments goes on.
    func recheckOverlap(_ spec: S3PrefixSpec, context: ProvisionContext) async throws {
        do {
            try await requireNoOverlap(spec, keys: try await listKeys(spec), context: context)
        } catch let refusal as ProviderError {
            try await s3.deleteObject(bucket: spec.bucket, key: spec.markerKey)
            throw refusal
        }
    }

    /// Whether an earlier attempt of this node targeted the same bucket and prefix: only then may
    /// unmarked objects under it be taken as this environment's (say, builds that ran after a marker was lost).
    static func triedBefore(_ spec: S3PrefixSpec, previous: NodeRecord?) -> Bool {
        guard let previous, let recorded = try? S3PrefixSpec(record: previous) else { return false }
        return recorded.bucket == spec.bucket && recorded.prefix == spec.prefix
    }
}

extension S3PrefixProvider {
    /// Deletes every object under the recorded prefix, marker last, then the bucket if this
    /// environment created it and it is empty.
    ///
    /// Works from the record alone. A missing bucket or an empty prefix is success. A prefix whose
    /// marker names another environment, or that holds objects but no marker, is refused: prenv only
    /// deletes what it can prove is its own. The marker goes in the last batch, so a destroy that
    /// stops half way leaves it in place for the retry.
    public func destroy(_ record: NodeRecord, context: ProvisionContext, progress: @escaping @Sendable (String) -> Void) async throws {
        let spec = try S3PrefixSpec(record: record)
        progress("checking bucket \(spec.bucket)")
        guard try await bucketExists(spec.bucket) else {
            progress("bucket \(spec.bucket) is gone; nothing to delete")
            return
        }
        let marker = try await readOwnMarker(spec)
        if let marker { try requireOwned(marker, spec, context: context) }
        progress("listing \(spec.uri)")
        let listed = try await listKeys(spec)
        let neighbours = try await foreignNestedPrefixes(spec, keys: listed, context: context)
        for neighbour in neighbours {
            progress("keeping s3://\(spec.bucket)/\(S3Keys.printable(neighbour.prefix)): it belongs to environment \(S3Keys.printable(neighbour.environment))")
        }
        let keys = listed.filter { key in !neighbours.contains { key.hasPrefix($0.prefix) } }
        if marker == nil, !keys.isEmpty {
            throw ProviderError.foreignResource(
                kind: "S3 prefix", name: spec.uri, detail: "it holds \(keys.count) objects (e.g. \(S3Keys.printable(keys[0]))) and no prenv marker")
        }
        if keys.isEmpty {
            progress("\(spec.uri) is already empty")
        } else {
            try await deleteKeys(keys, spec: spec, marker: marker?.marker, progress: progress)
        }
        if Self.mayOwnBucket(record) {
            try await deleteBucketIfOwnedAndEmpty(spec, context: context, progress: progress)
        }
    }

    /// The record says prenv created the bucket, or (outputs lost in a crash) it was allowed to.
    static func mayOwnBucket(_ record: NodeRecord) -> Bool {
        switch record.outputs[bucketCreatedOutput] {
        case "true": true
        case "false": false
        default: record.properties.bool("create_bucket") ?? false
        }
    }

    /// DeleteObjects in batches of 1000 with the marker last; stops at the first batch with refusals
    /// and reports each refused key with S3's code.
    func deleteKeys(_ keys: [String], spec: S3PrefixSpec, marker: S3PrefixMarker?, progress: (String) -> Void) async throws {
        let ordered = keys.filter { $0 != spec.markerKey } + keys.filter { $0 == spec.markerKey }
        let size = S3.deleteBatchSize
        let batches = stride(from: 0, to: ordered.count, by: size).map { Array(ordered[$0..<min($0 + size, ordered.count)]) }
        progress("deleting \(ordered.count) objects in \(batches.count) batch\(batches.count == 1 ? "" : "es")")
        for (index, batch) in batches.enumerated() {
            try Task.checkCancellation()
            let failures = try await s3.deleteObjects(bucket: spec.bucket, keys: batch)
            if !failures.isEmpty {
                if let marker, batch.contains(spec.markerKey), !failures.contains(where: { $0.key == spec.markerKey }) {
                    // Keep the proof of ownership while objects remain, so the retry is not refused;
                    // conditional, so a marker someone wrote meanwhile is not overwritten.
                    do {
                        try await writeMarker(spec, marker, condition: .absent)
                    } catch let error as AWSError where error.isConditionalWriteConflict {}
                }
                throw ProviderError.failed(kind: "S3 prefix", name: spec.uri, reason: Self.describe(failures, of: ordered.count))
            }
            if batches.count > 1 { progress("deleted batch \(index + 1) of \(batches.count)") }
        }
    }

    static func describe(_ failures: [S3.DeleteFailure], of total: Int) -> String {
        let shown = failures.prefix(5).map { "\(S3Keys.printable($0.key)) (\($0.code): \($0.message))" }.joined(separator: ", ")
        let more = failures.count > 5 ? " and \(failures.count - 5) more" : ""
        return "DeleteObjects refused \(failures.count) of \(total) objects: \(shown)\(more)"
    }
}
