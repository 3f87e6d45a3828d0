import AWSCore
import AWSServices
import Blueprint
import Foundation
import Orchestrator

/// Finds the S3 prefixes an instance marked. A prefix is not an AWS resource, so the Tagging API
/// cannot list it: its marker object (`<prefix>.prenv-environment.json`) carries its tags.
///
/// Where it looks: every bucket a recorded `aws/s3-prefix` node names, every literal `bucket` of a
/// blueprint's `aws/s3-prefix` resource, and every bucket the Tagging API finds with this
/// instance's tag (those `create_bucket: true` made). In each bucket it lists the keys (paged,
/// `encoding-type=url`), keeps the marker-named ones, and reads each with the bounded marker read.
///
/// Cost per bucket: one ListObjectsV2 per 1000 keys listed, plus one GetObject (at most 4 KiB)
/// per marker-named key. The listing is restricted to the longest leading path, whole `/`
/// segments only, that the bucket's blueprint prefixes (literal text before the first `${…}`) and
/// recorded prefixes share (see `listings`), so a bucket shared with other data costs only the
/// environments' part of it. A bucket no blueprint names literally, or known from its tag, is listed
/// whole. What the restriction cannot see: a marker under a prefix no current blueprint or record
/// starts with (a blueprint whose prefix moved, with the records of the old one lost);
/// `restrictListing: false` lists every bucket whole for such an audit.
///
/// Markers lie where pull requests' builds write, so they are hostile input: an unreadable or
/// oversized one is skipped (never reported for deletion on its own say-so), a marker under a
/// prefix that is not a valid key prefix is skipped, and a marker inside another marker's prefix is
/// skipped too: overlapping prefixes are refused at apply, so such a marker was written by the
/// outer prefix's build (or belongs to the outer environment, whose destroy removes it anyway).
///
/// What AWS refuses is different: a marker whose GetObject fails (AccessDenied, a KMS key it may not
/// use) or a bucket that cannot be listed (other than NoSuchBucket) may hide a prefix of this
/// instance, so it is a `SkippedEntry`, which keeps the sweep from taking the list as complete.
public struct S3PrefixDiscovery: ResourceDiscovery {
    public var type: ResourceType { .s3Prefix }
    let s3: S3
    let markers: S3PrefixProvider
    let tagged: InstanceTagged
    let restrictListing: Bool
    /// ListObjectsV2 page size; nil is S3's 1000. Tests set it small to cover paging.
    var listPageSize: Int?

    public init(client: AWSClient, restrictListing: Bool = true, pageSize: Int? = nil) {
        s3 = S3(client: client)
        markers = S3PrefixProvider(client: client)
        tagged = InstanceTagged(client: client, pageSize: pageSize)
        self.restrictListing = restrictListing
        listPageSize = pageSize
    }

    public func discover(_ query: DiscoveryQuery) async throws -> DiscoveryResult {
        // A bucket a stack made is still a place to look for markers, but never one a prefix's destroy
        // may delete (see `bucketCreated` below).
        let taggedBuckets = try await tagged.find("s3:bucket", instance: query.instance, includingStackMade: true).compactMap { mapping in
            InstanceTagged.resourceName(of: mapping.resourceARN).map { ($0, mapping.tags) }
        }
        let bucketTags = Dictionary(taggedBuckets, uniquingKeysWith: { first, _ in first })
        var result = DiscoveryResult()
        for (bucket, listPrefix) in Self.listings(query, taggedBuckets: Array(bucketTags.keys), restrict: restrictListing).sorted(by: { $0.key < $1.key }) {
            let inBucket = try await discover(in: bucket, under: listPrefix, instance: query.instance, bucketTags: bucketTags[bucket])
            result.resources += inBucket.resources
            result.skipped += inBucket.skipped
        }
        return result
    }

    /// Each bucket to look in and the key prefix to list it under ("" for all of it).
    ///
    /// Only a blueprint says how *every* prefix of a bucket starts (its literal text before the first
    /// `${…}`); a recorded prefix is one environment's value and says nothing about its siblings'. So
    /// a bucket is listed under the leading path its blueprints' prefixes share, widened to take in
    /// every recorded prefix there too (a record of an older blueprint version), and whole when no
    /// blueprint names it literally or the Tagging API found it.
    static func listings(_ query: DiscoveryQuery, taggedBuckets: [String], restrict: Bool) -> [String: String] {
        var fromBlueprints: [String: [String]] = [:]
        var recorded: [String: [String]] = [:]
        for node in query.recordedNodes where node.type == .s3Prefix {
            guard let bucket = node.properties.string("bucket") ?? node.outputs["bucket"], !bucket.isEmpty else { continue }
            recorded[bucket, default: []].append(node.properties.string("prefix") ?? node.outputs["prefix"] ?? "")
        }
        for resource in query.blueprintResources where resource.type == .s3Prefix {
            guard let bucket = resource.properties["bucket"]?.template?.literalValue, !bucket.isEmpty else { continue }
            fromBlueprints[bucket, default: []].append(leadingPath(resource.properties["prefix"]?.template.map(leadingLiteral) ?? ""))
        }
        let tagged = Set(taggedBuckets)
        var listings: [String: String] = [:]
        for bucket in Set(fromBlueprints.keys).union(recorded.keys).union(tagged) {
            let shared = fromBlueprints[bucket] ?? []
            guard restrict, !shared.isEmpty, !tagged.contains(bucket) else {
                listings[bucket] = ""
                continue
            }
            listings[bucket] = leadingPath(commonPrefix(shared + (recorded[bucket] ?? [])))
        }
        return listings
    }

    /// The literal text of a template before its first `${…}`.
    static func leadingLiteral(_ template: Template) -> String {
        var text = ""
        for segment in template.segments {
            guard case .literal(let part) = segment else { break }
            text += part
        }
        return text
    }

    /// `previews/pr-` → `previews/`: whole segments only, and only ones rendering keeps as written
    /// (the sanitiser rewrites a segment with other characters, or a leading/trailing `-`), so every
    /// rendered prefix really starts with it. "" when no segment is certain.
    static func leadingPath(_ text: String) -> String {
        guard let slash = text.lastIndex(of: "/") else { return "" }
        var path = ""
        for segment in text[..<slash].split(separator: "/", omittingEmptySubsequences: false) {
            let scalars = segment.unicodeScalars
            guard let first = scalars.first, let last = scalars.last, first != "-", last != "-",
                  !scalars.allSatisfy({ $0 == "." }),
                  scalars.allSatisfy({ NamingRule.isASCIIAlphanumeric($0) || "._-".unicodeScalars.contains($0) })
            else { break }
            path += segment + "/"
        }
        return path
    }

    static func commonPrefix(_ strings: [String]) -> String {
        guard var common = strings.first else { return "" }
        for string in strings.dropFirst() {
            common = String(zip(common.unicodeScalars, string.unicodeScalars).prefix { $0 == $1 }.map { Character($0.0) })
        }
        return common
    }

    /// True when another of the `marked` prefixes contains `prefix`. Every marked prefix ends with
    /// `/`, so the only ones that can are its proper prefixes ending at a `/` (`a//b/` → `a/`,
    /// `a//`): one set probe per segment, where comparing every pair of markers would be quadratic
    /// (a build that writes 100k marker-named keys would stall every sweep).
    static func liesInsideAnother(_ prefix: String, marked: Set<String>) -> Bool {
        prefix.indices.dropLast().contains { prefix[$0] == "/" && marked.contains(String(prefix[...$0])) }
    }

    /// The marked prefixes of `instance` in one bucket; a missing bucket has none. A bucket that
    /// cannot be listed, or a marker that cannot be read, is skipped with AWS's error.
    func discover(in bucket: String, under listPrefix: String, instance: String, bucketTags: [String: String]?) async throws -> DiscoveryResult {
        var candidates: [(key: String, lastModified: Date?)] = []
        do {
            try await s3.forEachListPage(bucket: bucket, prefix: listPrefix, maxKeys: listPageSize) { page in
                for object in page where S3PrefixProvider.isMarkerNamed(object.key) {
                    candidates.append((object.key, object.lastModified))
                }
                return true
            }
        } catch let error as AWSError where error.code == "NoSuchBucket" {
            return DiscoveryResult()
        } catch let error as CancellationError {
            throw error
        } catch {
            return DiscoveryResult(skipped: [SkippedEntry(identifier: "s3://\(bucket)/\(listPrefix)", reason: "cannot list the bucket: \(error)")])
        }
        let prefixes = candidates.map { String($0.key.dropLast(S3PrefixProvider.markerName.count)) }
        let marked = Set(prefixes)
        var result = DiscoveryResult()
        for (candidate, prefix) in zip(candidates, prefixes) {
            guard NamingRule.s3KeyPrefix.isValid(prefix),
                  !Self.liesInsideAnother(prefix, marked: marked)
            else { continue }
            let read: S3PrefixMarkerRead
            do {
                read = try await markers.readMarker(bucket: bucket, key: candidate.key)
            } catch let error as CancellationError {
                throw error
            } catch {
                result.skipped.append(SkippedEntry(identifier: "s3://\(bucket)/\(candidate.key)", reason: "cannot read the marker: \(error)"))
                continue
            }
            guard case .marker(let object) = read, object.marker.tags[PrenvTag.instance] == instance else { continue }
            let tags = object.marker.tags
            let uri = "s3://\(bucket)/\(prefix)"
            // Destroy deletes the bucket only if its own tags name the environment, so this is a hint.
            // A stack's bucket carries the environment's tags too (CloudFormation copies them): the
            // stack owns it, so the prefix does not.
            let bucketCreated = bucketTags.map {
                $0[PrenvTag.managedBy] == "prenv" && $0[PrenvTag.environment] == tags[PrenvTag.environment] && !StackMadeTags.madeByStack($0)
            } ?? false
            // As `S3PrefixProvider.apply` reports it: the `s3://` URI, with bucket, prefix and uri outputs.
            let node = InstanceTagged.node(
                type: type, tags: tags, physicalName: uri, properties: ["bucket": .string(bucket), "prefix": .string(prefix)],
                outputs: ["bucket": bucket, "prefix": prefix, "uri": uri, S3PrefixProvider.bucketCreatedOutput: String(bucketCreated)],
                createdAt: candidate.lastModified)
            result.resources.append(DiscoveredResource(type: type, identifier: uri, tags: tags, createdAt: candidate.lastModified, node: node))
        }
        return result
    }
}
