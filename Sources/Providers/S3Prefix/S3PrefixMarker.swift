import AWSCore
import AWSServices
import Foundation
import Orchestrator

/// The marker object `<prefix>.prenv-environment.json`: S3 prefixes cannot carry tags, so this
/// object carries them, as object metadata (for a quick look in the console) and as its JSON body
/// (the source of truth, since metadata keys cannot hold `:`).
struct S3PrefixMarker: Sendable, Equatable {
    var tags: [String: String]

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

    /// Reads the tags back: from the JSON body, or from metadata when the body is unreadable.
    init(object: S3.Object) {
        if let decoded = try? JSONDecoder().decode([String: [String: String]].self, from: object.body), let tags = decoded["tags"] {
            self.tags = tags
        } else {
            var tags: [String: String] = [:]
            for (key, value) in object.metadata where key.hasPrefix("prenv-") {
                tags["prenv:" + key.dropFirst("prenv-".count)] = value
            }
            self.tags = tags
        }
    }

    init(tags: [String: String]) { self.tags = tags }

    /// Whether `object` already says exactly what this marker would write (then no write is needed).
    func matches(_ object: S3.Object) -> Bool {
        S3PrefixMarker(object: object) == self && object.metadata == metadata
    }
}

extension S3PrefixProvider {
    static let markerName = ".prenv-environment.json"

    /// The marker under `spec.prefix`, or nil when there is none.
    func readMarker(_ spec: S3PrefixSpec) async throws -> S3.Object? {
        do {
            return try await s3.getObject(bucket: spec.bucket, key: spec.markerKey)
        } catch let error as AWSError {
            if error.code == "NoSuchKey" { return nil }
            throw error
        }
    }

    func writeMarker(_ spec: S3PrefixSpec, _ marker: S3PrefixMarker) async throws {
        try await s3.putObject(bucket: spec.bucket, key: spec.markerKey, body: marker.body,
                               contentType: "application/json", metadata: marker.metadata)
    }

    /// Throws `foreignResource` unless the marker says this environment owns the prefix.
    func requireOwned(_ object: S3.Object, _ spec: S3PrefixSpec, context: ProvisionContext) throws(ProviderError) {
        let tags = S3PrefixMarker(object: object).tags
        guard ManagedTags.isOwned(tags, by: context) else {
            throw ProviderError.foreignResource(
                kind: "S3 prefix", name: spec.uri, detail: "marker \(spec.markerKey) is \(ManagedTags.ownershipDetail(tags))")
        }
    }
}
