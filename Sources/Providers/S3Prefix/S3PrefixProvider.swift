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
    /// ListObjectsV2 page size for walking a prefix; nil is S3's default (1000). Tests set it small
    /// to cover many pages with few keys.
    var listPageSize: Int?

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
        let scan = try await scanPrefix(spec)
        try await requireNoOverlap(spec, nestedMarkerKeys: scan.nestedMarkerKeys, context: request.context)
        if let existing {
            if existing.matches(desired) {
                request.progress("marker \(spec.markerKey) is up to date")
            } else {
                request.progress("updating marker \(spec.markerKey)")
                try await updateMarker(spec, desired, replacing: existing, context: request.context)
            }
        } else {
            if let data = scan.firstData {
                guard Self.succeededBefore(spec, previous: request.previous) else {
                    throw ProviderError.foreignResource(
                        kind: "S3 prefix", name: spec.uri, detail: "it already holds objects (e.g. \(S3Keys.printable(data))) and no prenv marker")
                }
                request.progress("adopting objects under \(spec.uri): an earlier apply of this node succeeded there, and its marker is gone")
            }
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
            try await requireNoOverlap(spec, nestedMarkerKeys: try await scanPrefix(spec).nestedMarkerKeys, context: context)
        } catch let refusal as ProviderError {
            try await s3.deleteObject(bucket: spec.bucket, key: spec.markerKey)
            throw refusal
        }
    }

    /// Whether an earlier apply of this node *succeeded* for the same bucket and prefix (outputs are
    /// recorded only on success): only then may unmarked objects under it be taken as this
    /// environment's (say, builds that ran after the marker was lost). A record of a mere attempt is
    /// not enough: the executor writes the rendered properties before calling the provider, so a
    /// refused attempt leaves them too, and adopting on the retry would hand another system's objects
    /// to this environment's destroy.
    static func succeededBefore(_ spec: S3PrefixSpec, previous: NodeRecord?) -> Bool {
        guard let previous else { return false }
        return previous.outputs["bucket"] == spec.bucket && previous.outputs["prefix"] == spec.prefix
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
        // Two passes, each page by page: the first finds the marker-named keys (capped), the second
        // deletes. A nested marker sorts after some keys under its prefix (`a/b/-x` < `a/b/.prenv-…`),
        // so which keys belong to another environment is known only once the first pass is done.
        let scan = try await scanPrefix(spec)
        let neighbours = try await foreignNestedPrefixes(spec, nestedMarkerKeys: scan.nestedMarkerKeys, context: context)
        for neighbour in neighbours {
            progress("keeping s3://\(spec.bucket)/\(S3Keys.printable(neighbour.prefix)): it belongs to environment \(ManagedTags.printable(neighbour.environment))")
        }
        try await deleteKeys(spec, keeping: neighbours, marker: marker != nil, progress: progress)
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

    /// Deletes every key under the prefix but those under `neighbours`, one listed page (at most
    /// 1000 keys, one DeleteObjects) at a time, the marker alone and last, so a destroy that stops half
    /// way leaves it in place for the retry. Stops at the first page with refusals and reports each
    /// refused key with S3's code. Without a marker nothing is deleted: the first deletable key makes
    /// it a `foreignResource` refusal.
    func deleteKeys(_ spec: S3PrefixSpec, keeping neighbours: [Neighbour], marker: Bool, progress: (String) -> Void) async throws {
        func deletable(_ key: String) -> Bool {
            spec.owns(key: key) && key != spec.markerKey && !neighbours.contains { key.hasPrefix($0.prefix) }
        }
        var deleted = 0
        var batches = 0
        try await s3.forEachListPage(bucket: spec.bucket, prefix: spec.prefix, maxKeys: listPageSize) { page in
            let keys = page.map(\.key).filter(deletable)
            guard !keys.isEmpty else { return true }
            guard marker else {
                throw ProviderError.foreignResource(
                    kind: "S3 prefix", name: spec.uri, detail: "it holds objects (e.g. \(S3Keys.printable(keys[0]))) and no prenv marker")
            }
            try Task.checkCancellation()
            let failures = try await s3.deleteObjects(bucket: spec.bucket, keys: keys)
            guard failures.isEmpty else {
                throw ProviderError.failed(kind: "S3 prefix", name: spec.uri, reason: Self.describe(failures, of: keys.count))
            }
            deleted += keys.count
            batches += 1
            progress("deleted \(deleted) objects")
            return true
        }
        if marker {
            try Task.checkCancellation()
            let failures = try await s3.deleteObjects(bucket: spec.bucket, keys: [spec.markerKey])
            guard failures.isEmpty else {
                throw ProviderError.failed(kind: "S3 prefix", name: spec.uri, reason: Self.describe(failures, of: 1))
            }
            deleted += 1
            batches += 1
        }
        progress(deleted == 0 ? "\(spec.uri) is already empty" : "deleted \(deleted) objects in \(batches) batch\(batches == 1 ? "" : "es")")
    }

    static func describe(_ failures: [S3.DeleteFailure], of total: Int) -> String {
        let shown = failures.prefix(5).map { "\(S3Keys.printable($0.key)) (\($0.code): \($0.message))" }.joined(separator: ", ")
        let more = failures.count > 5 ? " and \(failures.count - 5) more" : ""
        return "DeleteObjects refused \(failures.count) of \(total) objects: \(shown)\(more)"
    }
}
