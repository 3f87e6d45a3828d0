import AWSCore
import AWSServices

extension CodeBuildProjectProvider {
    /// A project's tags as a dictionary (`tags` is a list of `{key, value}`; moto may send null).
    static func tags(of project: CodeBuild.Project) -> [String: String] {
        var tags: [String: String] = [:]
        for tag in project["tags"]?.arrayValue ?? [] {
            if let key = tag["key"]?.stringValue { tags[key] = tag["value"]?.stringValue ?? "" }
        }
        return tags
    }

    /// Whether `actual` already is what `desired` describes, so an update would change nothing.
    ///
    /// Every member prenv sets must be present and equal; members AWS adds on its own (defaults such
    /// as `source.gitCloneDepth`, `encryptionKey`) are ignored, so re-applying an unchanged
    /// definition makes no write call. Tags are compared as a set.
    static func matches(_ actual: CodeBuild.Project, desired: [String: JSONValue]) -> Bool {
        guard tags(of: actual) == tags(of: desired) else { return false }
        return desired.allSatisfy { key, value in
            switch key {
            case "tags": true
            // Written as `badgeEnabled`, read back as `badge.badgeEnabled`.
            case "badgeEnabled": (actual["badge"]?["badgeEnabled"] ?? .bool(false)) == value
            default: contains(actual[key] ?? .null, value)
            }
        }
    }

    private static func contains(_ actual: JSONValue, _ desired: JSONValue) -> Bool {
        switch (actual, desired) {
        case (.object(let actual), .object(let desired)):
            desired.allSatisfy { key, value in contains(actual[key] ?? .null, value) }
        case (.array(let actual), .array(let desired)):
            actual.count == desired.count && zip(actual, desired).allSatisfy { contains($0, $1) }
        case (.null, .array(let desired)):
            desired.isEmpty
        default:
            actual == desired
        }
    }
}
