import AWSServices
import Orchestrator

/// Who owns a resource, decided from its tags: prenv only touches what it tagged for this environment.
enum ManagedTags {
    static let managedByKey = "prenv:managed-by"
    static let environmentKey = "prenv:env"

    /// True when the tags say prenv manages the resource for the same environment as `context`.
    static func isOwned(_ tags: [String: String], by context: ProvisionContext) -> Bool {
        tags[managedByKey] == "prenv" && tags[environmentKey] == context.envName
    }

    /// A short explanation for `ProviderError.foreignResource`, without dumping every tag.
    static func ownershipDetail(_ tags: [String: String]) -> String {
        guard tags[managedByKey] == "prenv" else { return "no prenv:managed-by tag" }
        let owner = [tags["prenv:repository"], tags["prenv:pr"].map { "#" + $0 }].compactMap { $0 }.joined()
        return "tagged for environment \(printable(tags[environmentKey] ?? "?"))" + (owner.isEmpty ? "" : " of \(printable(owner))")
    }

    /// The longest tag value, in characters, that reaches an error or progress line.
    static let printableLimit = 200

    /// A tag value for an error or progress line. Tags can come from where a pull request's build
    /// writes (an S3 prefix marker), so control characters become `\u{…}` (no forged log lines, no
    /// terminal escapes) and the value is cut at `printableLimit` characters, marked with `…`.
    static func printable(_ value: String) -> String {
        let shown = S3Keys.printable(String(value.prefix(printableLimit)))
        return value.count > printableLimit ? shown + "…" : shown
    }

    /// Tags sorted by key, as AWS tag lists.
    static func sorted(_ tags: [String: String]) -> [(key: String, value: String)] {
        tags.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
    }
}
