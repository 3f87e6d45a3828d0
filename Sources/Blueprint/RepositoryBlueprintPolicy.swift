import Yams

/// What the operator lets one repository's own blueprints (`.prenv/*.yaml`) do. Everything is closed by
/// default: a repository's blueprint is written by whoever can merge (or, with `from: head`, open) a pull
/// request, while the AWS credentials it runs with are the operator's.
public struct RepositoryBlueprintPolicy: Sendable, Equatable {
    /// Where `.prenv/` is read from for a pull request.
    public enum Source: String, Sendable, CaseIterable {
        /// The base branch's head commit: changes take effect once reviewed and merged.
        case base
        /// The PR's own head commit, so a PR can change its own preview (the supervisor honours it only for
        /// authors with write permission, never for forks).
        case head
    }

    public var enabled: Bool
    public var from: Source
    /// Resource types (exact, e.g. `aws/codepipeline`); `nil`: every type this prenv knows.
    public var allowTypes: [String]?
    /// Globs (`Glob`) matched against every name of an existing thing a blueprint names (every property whose
    /// naming rule is `.existing`: template pipelines and projects, artifact buckets) and against the repository
    /// path of every `template_file` (`.prenv/stacks/site.yaml`). Empty: none.
    public var allowTemplates: [String]
    /// Globs for the variable names of `environmentVariableName` properties (`PRENV_GITHUB_OAUTH_TOKEN`). Empty: none.
    public var allowSecrets: [String]
    /// `allow_forks`: whether a repository blueprint may say `on.forks: allow` (run a fork's code with
    /// the allowed roles). Default false: that choice is the operator's, not the repository's.
    public var allowForks = false
    /// `base_branches`: the PR base branches whose `.prenv/` is read (globs); nil: the repository's
    /// default branch only. A PR chooses its own base, so without this anyone who can push a branch
    /// could make it a base with a `.prenv/` nobody reviewed.
    public var baseBranches: [String]?

    /// Whether `.prenv/` is read for a PR into `base` of a repository whose default branch is `defaultBranch`.
    public func reads(base: String, defaultBranch: String?) -> Bool {
        guard let baseBranches else { return defaultBranch == base }
        return baseBranches.contains { Glob($0).matches(base) }
    }

    public init(enabled: Bool = false, from: Source = .base, allowTypes: [String]? = nil, allowTemplates: [String] = [], allowSecrets: [String] = [],
                allowForks: Bool = false, baseBranches: [String]? = nil) {
        self.allowForks = allowForks
        self.baseBranches = baseBranches
        self.enabled = enabled
        self.from = from
        self.allowTypes = allowTypes
        self.allowTemplates = allowTemplates
        self.allowSecrets = allowSecrets
    }

    /// For a repository checking its own `.prenv/` in CI without the operator's settings (`prenv validate
    /// --repository-layout` without `--config`): every type, template, stack file and secret name is allowed,
    /// so only the blueprints' own correctness is checked.
    public static let permissive = RepositoryBlueprintPolicy(
        enabled: true, from: .base, allowTypes: nil, allowTemplates: ["*", ".prenv/**"], allowSecrets: ["*"], allowForks: true,
        baseBranches: ["*"]
    )

    public func allows(type: String) -> Bool {
        allowTypes.map { $0.contains(type) } ?? true
    }

    /// Names of existing things and template paths are matched case-sensitively: AWS names and git paths are.
    public func allows(template name: String) -> Bool {
        allowTemplates.contains { Glob($0).matches(name) }
    }

    public func allows(secret variable: String) -> Bool {
        allowSecrets.contains { Glob($0).matches(variable) }
    }

    static let keys = ["enabled", "from", "base_branches", "allow_types", "allow_templates", "allow_secrets", "allow_forks"]

    /// Decodes the mapping under one repository of `repository_blueprints:`. Strict: an unknown key (a typo
    /// such as `allow_template`), a wrong type or an unknown `from` is an error naming `file:line:col`, since
    /// a silently ignored restriction is an open door.
    public static func decode(_ node: Node, file: String) throws(BlueprintErrors) -> RepositoryBlueprintPolicy {
        var problems = DiagnosticCollector(file: file)
        let policy = decode(node, problems: &problems)
        guard let policy, !problems.hasErrors else { throw BlueprintErrors(diagnostics: problems.sorted) }
        return policy
    }

    static func decode(_ node: Node, problems: inout DiagnosticCollector) -> RepositoryBlueprintPolicy? {
        guard case let .mapping(mapping) = node else {
            problems.error(node.location, "a repository's blueprint policy must be a mapping with `enabled`, `from`, `allow_types`, `allow_templates`, `allow_secrets`, found \(node.kindDescription)")
            return nil
        }
        var policy = RepositoryBlueprintPolicy()
        for (key, value) in mapping {
            guard let name = key.text else {
                problems.error(key.location, "keys must be strings, found \(key.kindDescription)")
                continue
            }
            switch name {
            case "enabled":
                if let flag = value.boolValue { policy.enabled = flag } else {
                    problems.error(value.location, "`enabled` must be true or false, found \(value.text.map { "`\($0)`" } ?? value.kindDescription)")
                }
            case "from":
                if let text = value.text, let source = Source(rawValue: text) { policy.from = source } else {
                    problems.error(value.location, "`from` must be `base` or `head`, found \(value.text.map { "`\($0)`" } ?? value.kindDescription)")
                }
            case "allow_types":
                if let list = strings(value, key: name, problems: &problems) { policy.allowTypes = list }
            case "allow_templates":
                if let list = strings(value, key: name, problems: &problems) { policy.allowTemplates = list }
            case "allow_secrets":
                if let list = strings(value, key: name, problems: &problems) { policy.allowSecrets = list }
            case "base_branches":
                if let list = strings(value, key: name, problems: &problems) { policy.baseBranches = list }
            case "allow_forks":
                if let flag = value.boolValue { policy.allowForks = flag } else {
                    problems.error(value.location, "`allow_forks` must be true or false, found \(value.text.map { "`\($0)`" } ?? value.kindDescription)")
                }
            default:
                let hint = Suggestions.hint(for: name, in: keys)
                problems.error(key.location, "unknown key `\(name)` in a repository's blueprint policy" + (hint.isEmpty ? "; expected one of \(Suggestions.list(keys))" : hint))
            }
        }
        return policy
    }

    private static func strings(_ node: Node, key: String, problems: inout DiagnosticCollector) -> [String]? {
        guard case let .sequence(items) = node else {
            problems.error(node.location, "`\(key)` must be a list of strings, found \(node.kindDescription)")
            return nil
        }
        var values: [String] = []
        for item in items {
            guard let text = item.text else {
                problems.error(item.location, "entries of `\(key)` must be strings, found \(item.kindDescription)")
                return nil
            }
            values.append(text)
        }
        return values
    }
}

/// The whole `repository_blueprints:` mapping of the operator's config: repository names or `owner/*` globs
/// to policies. A repository no key selects reads no blueprints of its own.
public struct RepositoryBlueprintSettings: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// As written: `acme/webapp` or `acme/*`.
        public var repository: String
        public var policy: RepositoryBlueprintPolicy

        public init(repository: String, policy: RepositoryBlueprintPolicy) {
            self.repository = repository
            self.policy = policy
        }

        var isGlob: Bool { repository.contains("*") || repository.contains("?") }
    }

    /// In file order.
    public var entries: [Entry]

    public init(entries: [Entry] = []) {
        self.entries = entries
    }

    /// The policy for `repository` (`owner/name`), compared case-insensitively as GitHub does: an exact name
    /// wins over any glob, then the first matching glob in file order; `nil` when none matches.
    /// Whether any repository's `.prenv/` is read at all (prenv then needs GitHub to start).
    public var enablesAny: Bool { entries.contains { $0.policy.enabled } }

    public func policy(for repository: String) -> RepositoryBlueprintPolicy? {
        let name = repository.lowercased()
        if let exact = entries.first(where: { !$0.isGlob && $0.repository.lowercased() == name }) { return exact.policy }
        return entries.first { $0.isGlob && Glob($0.repository).matches(repository, caseInsensitive: true) }?.policy
    }

    /// Decodes the mapping under `repository_blueprints:`; every problem is reported at once with `file:line:col`.
    public static func decode(_ node: Node, file: String) throws(BlueprintErrors) -> RepositoryBlueprintSettings {
        var problems = DiagnosticCollector(file: file)
        guard case let .mapping(mapping) = node else {
            problems.error(node.location, "`repository_blueprints` must be a mapping from repositories (`owner/name` or `owner/*`) to policies, found \(node.kindDescription)")
            throw BlueprintErrors(diagnostics: problems.sorted)
        }
        var entries: [Entry] = []
        for (key, value) in mapping {
            guard let repository = key.text else {
                problems.error(key.location, "keys of `repository_blueprints` must be strings, found \(key.kindDescription)")
                continue
            }
            let parts = repository.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty }) else {
                problems.error(key.location, "`repository_blueprints` key `\(repository)` must be `owner/name` or a glob such as `acme/*`")
                continue
            }
            if entries.contains(where: { $0.repository.lowercased() == repository.lowercased() }) {
                problems.error(key.location, "`repository_blueprints` lists `\(repository)` twice")
                continue
            }
            if let policy = RepositoryBlueprintPolicy.decode(value, problems: &problems) {
                entries.append(Entry(repository: repository, policy: policy))
            }
        }
        guard !problems.hasErrors else { throw BlueprintErrors(diagnostics: problems.sorted) }
        return RepositoryBlueprintSettings(entries: entries)
    }
}
