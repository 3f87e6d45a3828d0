import Yams

/// The `on:` section: which PRs get an environment.
extension BlueprintDecoder {
    static let triggerKeys = ["repositories", "base_branches", "skip_labels", "forks"]

    mutating func decodeTriggers(_ entry: MappingEntry) -> Triggers? {
        guard case let .mapping(mapping) = entry.value else {
            diagnostics.error(entry.value.location, "`on` must be a mapping, found \(entry.value.kindDescription)")
            return nil
        }
        let entries = entries(of: mapping)
        reportUnknownKeys(entries, allowed: Self.triggerKeys, place: " in `on`")
        let value: (String) -> Node? = { key in entries.first { $0.key == key }?.value }

        var triggers = Triggers(repositories: [])
        var valid = true
        if let node = value("repositories") {
            let globs = decodeGlobs(node, path: "`on.repositories`")
            for (glob, location) in globs ?? [] where glob.split(separator: "/", omittingEmptySubsequences: false).count != 2 {
                diagnostics.error(location, "`on.repositories` entry `\(glob)` must be an owner/name glob such as `acme/*`")
                valid = false
            }
            triggers.repositories = (globs ?? []).map { Glob($0.0) }
            valid = valid && globs != nil
        } else {
            diagnostics.error(entry.keyLocation, "missing required key `repositories` in `on`")
            valid = false
        }
        if let node = value("base_branches") {
            let globs = decodeGlobs(node, path: "`on.base_branches`")
            triggers.baseBranches = (globs ?? []).map { Glob($0.0) }
            valid = valid && globs != nil
        }
        if let node = value("skip_labels") {
            let labels = decodeStringList(node, path: "`on.skip_labels`")
            triggers.skipLabels = (labels ?? []).map(\.0)
            valid = valid && labels != nil
        }
        if let node = value("forks") {
            let allowed = ForkPolicy.allCases.map(\.rawValue)
            if let policy = decodeChoice(node, path: "`on.forks`", allowed: allowed).flatMap(ForkPolicy.init(rawValue:)) {
                triggers.forks = policy
                if policy == .allow {
                    diagnostics.warning(node.location, "`forks: allow` runs code from forks with this blueprint's AWS permissions; use it only for trusted contributors")
                }
            } else {
                valid = false
            }
        }
        return valid ? triggers : nil
    }

    /// A non-empty list of globs: an empty list would silently match nothing.
    private mutating func decodeGlobs(_ node: Node, path: String) -> [(String, SourcePosition)]? {
        guard let globs = decodeStringList(node, path: path, expectation: "a list of globs") else { return nil }
        if globs.isEmpty {
            diagnostics.error(node.location, "\(path) must list at least one glob")
            return nil
        }
        return globs
    }
}
