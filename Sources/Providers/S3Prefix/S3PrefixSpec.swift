import Blueprint
import Orchestrator

/// The validated properties of one `aws/s3-prefix` resource.
///
/// The prefix is checked again here (not only by the blueprint sanitiser) because destroy deletes
/// everything under it: an empty prefix would mean the whole bucket, and one without a trailing `/`
/// would also match its siblings (`pr-1` matches `pr-10/`).
struct S3PrefixSpec: Sendable, Hashable {
    var bucket: String
    var prefix: String
    var createBucket: Bool

    init(properties: [String: RenderedValue]) throws(ProviderError) {
        bucket = try properties.requiredString("bucket")
        prefix = try properties.requiredString("prefix")
        createBucket = properties.bool("create_bucket") ?? false
        guard NamingRule.s3KeyPrefix.isValid(prefix), prefix.hasSuffix("/") else {
            throw ProviderError.invalidProperty(
                property: "prefix", reason: "`\(prefix)` is not a safe key prefix (\(NamingRule.s3KeyPrefix.rule))")
        }
    }

    /// The spec a destroy works from: the record's properties, falling back to its outputs.
    init(record: NodeRecord) throws(ProviderError) {
        var properties = record.properties
        for key in ["bucket", "prefix"] where properties[key]?.stringValue == nil {
            if let value = record.outputs[key] { properties[key] = .string(value) }
        }
        try self.init(properties: properties)
    }

    /// `s3://bucket/prefix`, the `uri` output and the name used in messages.
    var uri: String { "s3://\(bucket)/\(prefix)" }

    /// The object that says which environment owns the prefix; deleted last so a half-done destroy
    /// still carries it.
    var markerKey: String { prefix + S3PrefixProvider.markerName }

    /// Only keys that really lie under the prefix: a guard against a listing that returns more.
    func owns(key: String) -> Bool { key.hasPrefix(prefix) && key.count > prefix.count }
}
