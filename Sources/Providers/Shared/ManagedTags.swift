import AWSServices
import Orchestrator
import UntrustedText

/// Who owns a resource, decided from its tags: prenv only touches what it tagged for this
/// environment, and, when it knows which installation it is, for this instance.
enum ManagedTags {
    static let managedByKey = PrenvTag.managedBy
    static let environmentKey = PrenvTag.environment
    static let instanceKey = PrenvTag.instance

    /// True when the tags say prenv manages the resource for the same environment as `context`, and
    /// no other instance claims it.
    ///
    /// - A `prenv:instance` tag naming a different instance than the context's: not owned. Two
    ///   installations sharing an account may well derive the same environment name for the same PR.
    /// - No `prenv:instance` tag: owned when the environment matches. Resources made before prenv
    ///   tagged instances carry none, and refusing them would strand every environment created by an
    ///   older version (its teardown and updates would fail forever); the environment tag was the
    ///   whole ownership proof then and stays one for them. The next apply adds the instance tag.
    /// - A context without an instance (callers that predate instances) ignores the tag.
    static func isOwned(_ tags: [String: String], by context: ProvisionContext) -> Bool {
        guard tags[managedByKey] == "prenv", tags[environmentKey] == context.envName else { return false }
        guard let instance = context.instance, let tagged = tags[instanceKey] else { return true }
        return tagged == instance
    }

    /// A short explanation for `ProviderError.foreignResource`, without dumping every tag.
    static func ownershipDetail(_ tags: [String: String], context: ProvisionContext? = nil) -> String {
        guard tags[managedByKey] == "prenv" else { return "no prenv:managed-by tag" }
        let owner = [tags[PrenvTag.repository], tags[PrenvTag.pr].map { "#" + $0 }].compactMap { $0 }.joined()
        let environment = "tagged for environment \(printable(tags[environmentKey] ?? "?"))" + (owner.isEmpty ? "" : " of \(printable(owner))")
        if let context, let instance = context.instance, let tagged = tags[instanceKey], tagged != instance,
           tags[environmentKey] == context.envName {
            return "\(environment) by another prenv instance, \(printable(tagged)) (this is \(printable(instance)))"
        }
        return environment + (tags[instanceKey].map { " by instance \(printable($0))" } ?? "")
    }

    /// The longest tag value, in characters, that reaches an error or progress line.
    static let printableLimit = 200

    /// A tag value for an error or progress line. Tags can come from where a pull request's build
    /// writes (an S3 prefix marker), so they are shown by `UntrustedText`'s rule, cut at
    /// `printableLimit` characters.
    static func printable(_ value: String) -> String { UntrustedText.printable(value, limit: printableLimit) }

    /// Tags sorted by key, as AWS tag lists.
    static func sorted(_ tags: [String: String]) -> [(key: String, value: String)] {
        tags.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
    }
}
