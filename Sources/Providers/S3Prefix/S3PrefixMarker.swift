import AWSCore
import AWSServices
import Foundation
import Orchestrator

/// The marker object `<prefix>.prenv-environment.json`: S3 prefixes cannot carry tags, so this
/// object carries them, as object metadata (for a quick look in the console) and as its JSON body
/// (the source of truth, since metadata keys cannot hold `:`).
///
/// The marker lies inside the prefix, where the pull request's build can write too, so it is read
/// as hostile input: at most `maxBytes`, and only a JSON body of the exact shape prenv writes counts.
struct S3PrefixMarker: Sendable, Equatable {
    var tags: [String: String]

    /// prenv's markers are a few hundred bytes; anything much larger is not one of them.
    static let maxBytes = 4096

    /// Metadata keys: `prenv:managed-by` → `prenv-managed-by` (S3 metadata keys cannot contain `:`).
    var metadata: [String: String] {
        Dictionary(uniqueKeysWithValues: tags.map { (Self.metadataKey($0.key), $0.value) })
    }

    static func metadataKey(_ tagKey: String) -> String {
        tagKey.replacingOccurrences(of: ":", with: "-").lowercased()
    }

    /// Stable JSON (sorted keys), so re-writing the same marker is byte-identical.
    var body: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return (try? encoder.encode(["tags": tags])) ?? Data()
    }

    init(tags: [String: String]) { self.tags = tags }

    /// Parses a body prenv wrote; nil for anything else (metadata alone proves nothing: a build can set it).
    init?(body: Data) {
        guard body.count <= Self.maxBytes,
              let decoded = try? JSONDecoder().decode([String: [String: String]].self, from: body),
              let tags = decoded["tags"], decoded.count == 1
        else { return nil }
        self.tags = tags
    }

    /// The environment the marker names, if prenv wrote it.
    var environment: String? {
        tags[ManagedTags.managedByKey] == "prenv" ? tags[ManagedTags.environmentKey] : nil
    }
}

/// A marker as read from S3: its tags and the ETag a conditional update must match.
struct S3PrefixMarkerObject: Sendable {
    var marker: S3PrefixMarker
    var eTag: String?
    var metadata: [String: String]

    /// Whether the object already says exactly what `desired` would write (then no write is needed).
    func matches(_ desired: S3PrefixMarker) -> Bool { marker == desired && metadata == desired.metadata }
}

/// What a bounded read found at a marker key.
enum S3PrefixMarkerRead: Sendable {
    case missing
    case marker(S3PrefixMarkerObject)
    /// Too large or not prenv's JSON: `reason` says which, for the error a caller raises.
    case unreadable(reason: String)
}

extension S3PrefixProvider {
    static let markerName = ".prenv-environment.json"

    /// Reads the object at `key` as a marker, never more than `S3PrefixMarker.maxBytes`.
    func readMarker(bucket: String, key: String) async throws -> S3PrefixMarkerRead {
        let object: S3.Object
        do {
            object = try await s3.getObject(bucket: bucket, key: key, limit: S3PrefixMarker.maxBytes)
        } catch let error as AWSError {
            switch error.code {
            case "NoSuchKey": return .missing
            case S3.objectTooLarge:
                return .unreadable(reason: "too large for a marker (\(error.message))")
            default: throw error
            }
        }
        guard let marker = S3PrefixMarker(body: object.body) else {
            return .unreadable(reason: "its \(object.body.count)-byte body is not a prenv marker (JSON {\"tags\": {…}})")
        }
        return .marker(S3PrefixMarkerObject(marker: marker, eTag: object.eTag, metadata: object.metadata))
    }

    /// This prefix's own marker: nil when missing; unreadable → `foreignResource` (prenv cannot prove
    /// the prefix is anyone's, so it neither writes nor deletes), with the reason.
    func readOwnMarker(_ spec: S3PrefixSpec) async throws -> S3PrefixMarkerObject? {
        switch try await readMarker(bucket: spec.bucket, key: spec.markerKey) {
        case .missing: return nil
        case .marker(let object): return object
        case .unreadable(let reason):
            throw ProviderError.foreignResource(kind: "S3 prefix", name: spec.uri, detail: "marker \(spec.markerKey) is unreadable: \(reason)")
        }
    }

    /// Writes the marker; `condition` makes creation and update atomic against other writers.
    func writeMarker(_ spec: S3PrefixSpec, _ marker: S3PrefixMarker, condition: S3.WriteCondition?) async throws {
        try await s3.putObject(bucket: spec.bucket, key: spec.markerKey, body: marker.body,
                               contentType: "application/json", metadata: marker.metadata, condition: condition)
    }

    /// Throws `foreignResource` unless the marker says this environment owns the prefix.
    func requireOwned(_ object: S3PrefixMarkerObject, _ spec: S3PrefixSpec, context: ProvisionContext) throws(ProviderError) {
        let tags = object.marker.tags
        guard ManagedTags.isOwned(tags, by: context) else {
            throw ProviderError.foreignResource(
                kind: "S3 prefix", name: spec.uri, detail: "marker \(spec.markerKey) is \(ManagedTags.ownershipDetail(tags, context: context))")
        }
    }
}
