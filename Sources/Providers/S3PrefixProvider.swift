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
    public let type = ResourceType.s3Prefix
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
        if let existing = try await readMarker(spec) {
            try requireOwned(existing, spec, context: request.context)
            if desired.matches(existing) {
                request.progress("marker \(spec.markerKey) is up to date")
            } else {
                request.progress("updating marker \(spec.markerKey)")
                try await writeMarker(spec, desired)
            }
        } else {
            let keys = try await s3.listObjectsV2(bucket: spec.bucket, prefix: spec.prefix, maxKeys: 1, firstPageOnly: true).map(\.key).filter(spec.owns)
            if !keys.isEmpty, !Self.triedBefore(spec, previous: request.previous) {
                throw ProviderError.foreignResource(
                    kind: "S3 prefix", name: spec.uri, detail: "it already holds objects (e.g. \(keys[0])) and no prenv marker")
            }
            if !keys.isEmpty { request.progress("adopting objects under \(spec.uri) left by an earlier attempt") }
            request.progress("writing marker \(spec.markerKey)")
            try await writeMarker(spec, desired)
        }
        return ApplyResult(
            outputs: ["bucket": spec.bucket, "prefix": spec.prefix, "uri": spec.uri, Self.bucketCreatedOutput: String(bucketOwned)],
            physicalName: spec.uri)
    }

    /// Whether an earlier attempt of this node targeted the same bucket and prefix: only then may
    /// unmarked objects under it be taken as this environment's (say, builds that ran after a marker was lost).
    static func triedBefore(_ spec: S3PrefixSpec, previous: NodeRecord?) -> Bool {
        guard let previous, let recorded = try? S3PrefixSpec(record: previous) else { return false }
        return recorded.bucket == spec.bucket && recorded.prefix == spec.prefix
    }
}
