/// Two blueprints that can select the same pull request and spell a physical name the same way would
/// fight over one AWS resource: the second apply would find it tagged for the first environment. Found
/// at load, where the author can still fix the template, rather than at apply on somebody's PR.
///
/// A resource's identity is its kind's immutable properties (what cannot change without a new
/// resource). `${env.name}` is scoped by blueprint (and repository and PR), so an identity that uses
/// it cannot collide; one without it collides whenever the templates are identical and the
/// blueprints' `on:` rules may select one PR.
enum NameCollisions {
    static func diagnostics(_ blueprints: [Blueprint]) -> [Diagnostic] {
        var found: [Diagnostic] = []
        for (index, first) in blueprints.enumerated() {
            for second in blueprints[(index + 1)...] where mayShareAPullRequest(first.triggers, second.triggers) {
                for a in namedProperties(first) {
                    for b in namedProperties(second) where a.key == b.key {
                        found.append(Diagnostic(
                            file: second.file, location: b.location,
                            message: "`\(b.property)` of resource `\(b.resource)` renders the same \(b.noun) (`\(b.template)`) as "
                                + "resource `\(a.resource)` in \(first.file):\(a.location.line) for pull requests both blueprints select; "
                                + "include ${env.name} so each environment owns its own"))
                    }
                }
            }
        }
        return found
    }

    struct NamedProperty {
        /// Kind, property and template: equal keys render equal names for the same PR.
        var key: String
        var resource: String
        var property: String
        var noun: String
        var template: String
        var location: SourcePosition
    }

    /// Each resource's identity: its kind's immutable properties (a pipeline's `name`, a prefix's
    /// `bucket` and `prefix` together), unless one of them uses `${env.name}`.
    static func namedProperties(_ blueprint: Blueprint) -> [NamedProperty] {
        blueprint.resources.compactMap { spec -> NamedProperty? in
            let identity = spec.kind.immutableProperties.sorted()
            let templates = identity.compactMap { spec.properties[$0]?.template }
            guard !identity.isEmpty, templates.count == identity.count,
                  !templates.contains(where: { $0.references.contains(.context(.envName)) }) else { return nil }
            let spelled = zip(identity, templates).map { "\($0): \($1.source)" }.joined(separator: ", ")
            let nouns = identity.compactMap { name in spec.kind.properties.first { $0.name == name }?.nameRule?.rule.noun }
            return NamedProperty(
                key: "\(spec.type)\u{0}" + templates.map(\.source).joined(separator: "\u{0}"), resource: spec.id,
                property: identity.joined(separator: "` and `"), noun: nouns.isEmpty ? "name" : nouns.joined(separator: " and "),
                template: spelled, location: identity.compactMap { spec.propertyLocations[$0] }.first ?? spec.location)
        }
    }

    /// Conservative: true unless the repository or base-branch globs certainly select disjoint sets.
    /// Two globs may overlap when either matches the other's pattern read as text (`*` taken as
    /// empty or as one character); patterns that share no such witness are treated as disjoint.
    static func mayShareAPullRequest(_ first: Triggers, _ second: Triggers) -> Bool {
        overlaps(first.repositories, second.repositories, caseInsensitive: true)
            && overlaps(first.baseBranches, second.baseBranches, caseInsensitive: false)
    }

    static func overlaps(_ first: [Glob], _ second: [Glob], caseInsensitive: Bool) -> Bool {
        first.contains { a in
            second.contains { b in
                witnesses(a).contains { b.matches($0, caseInsensitive: caseInsensitive) }
                    || witnesses(b).contains { a.matches($0, caseInsensitive: caseInsensitive) }
            }
        }
    }

    static func witnesses(_ glob: Glob) -> [String] {
        [glob.pattern.replacingOccurrences(of: "*", with: ""), glob.pattern.replacingOccurrences(of: "*", with: "x")]
    }
}
