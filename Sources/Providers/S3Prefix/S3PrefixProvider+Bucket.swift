import AWSCore
import AWSServices
import Orchestrator

extension S3PrefixProvider {
    /// Makes sure the bucket exists; returns whether it belongs to this environment.
    ///
    /// Without `create_bucket` a missing bucket is the user's mistake, named plainly. With it, prenv
    /// creates the bucket and tags it with the environment's tags *before* writing anything else,
    /// so a retry after a crash finds its own bucket by those tags and adopts it.
    func ensureBucket(_ spec: S3PrefixSpec, context: ProvisionContext, progress: (String) -> Void) async throws -> Bool {
        progress("checking bucket \(spec.bucket)")
        if try await bucketExists(spec.bucket) {
            guard spec.createBucket else { return false }
            return try await bucketIsOwned(spec, context: context)
        }
        guard spec.createBucket else {
            throw ProviderError.invalidProperty(
                property: "bucket",
                reason: "S3 bucket `\(spec.bucket)` does not exist (HeadBucket: NotFound); create it, "
                    + "or set `create_bucket: true` to have prenv create it and delete it with the environment")
        }
        progress("creating bucket \(spec.bucket)")
        do {
            try await s3.createBucket(spec.bucket)
        } catch let error as AWSError {
            // A retried request of ours may have created it a moment ago; claim it only if untagged.
            guard error.code == "BucketAlreadyOwnedByYou" else { throw error }
            let tags = try await s3.getBucketTagging(spec.bucket)
            guard tags.isEmpty else { return ManagedTags.isOwned(tags, by: context) }
        }
        progress("tagging bucket \(spec.bucket) for \(context.envName)")
        try await s3.putBucketTagging(spec.bucket, tags: context.tags)
        return true
    }

    /// HeadBucket as a yes/no; other failures (403 for someone else's bucket) propagate.
    func bucketExists(_ bucket: String) async throws -> Bool {
        do {
            try await s3.headBucket(bucket)
            return true
        } catch let error as AWSError {
            if error.isNotFound { return false }
            throw error
        }
    }

    /// True when the bucket's tags say this environment manages it.
    func bucketIsOwned(_ spec: S3PrefixSpec, context: ProvisionContext) async throws -> Bool {
        ManagedTags.isOwned(try await s3.getBucketTagging(spec.bucket), by: context)
    }

    /// Deletes a bucket this environment created, once nothing is left in it. A bucket that still
    /// holds other objects is kept (with a progress note): those objects are not prenv's to delete.
    func deleteBucketIfOwnedAndEmpty(_ spec: S3PrefixSpec, context: ProvisionContext, progress: (String) -> Void) async throws {
        guard try await bucketIsOwned(spec, context: context) else {
            progress("bucket \(spec.bucket) is not tagged for this environment; kept")
            return
        }
        let remaining = try await s3.listObjectsV2(bucket: spec.bucket, prefix: "", maxKeys: 1, firstPageOnly: true).map(\.key)
        guard remaining.isEmpty else {
            progress("bucket \(spec.bucket) still holds objects outside \(spec.prefix) (e.g. \(S3Keys.printable(remaining[0]))); kept")
            return
        }
        progress("deleting bucket \(spec.bucket)")
        do {
            try await s3.deleteBucket(spec.bucket)
        } catch let error as AWSError {
            switch error.code {
            case "NoSuchBucket": return
            case "BucketNotEmpty": progress("bucket \(spec.bucket) received new objects while being deleted; kept")
            default: throw error
            }
        }
    }
}
