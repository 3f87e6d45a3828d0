/// Which pull requests get an environment from a blueprint (the `on:` section).
public struct Triggers: Sendable, Hashable {
    /// `owner/name` globs, matched case-insensitively as GitHub treats names.
    public var repositories: [Glob]
    /// Base-branch globs, matched case-sensitively as git does. Defaults to `["*"]`.
    public var baseBranches: [Glob]
    /// A PR carrying any of these labels (case-insensitive, as GitHub labels are) is skipped.
    public var skipLabels: [String]
    public var forks: ForkPolicy

    public init(repositories: [Glob], baseBranches: [Glob] = [Glob("*")], skipLabels: [String] = [], forks: ForkPolicy = .skip) {
        self.repositories = repositories
        self.baseBranches = baseBranches
        self.skipLabels = skipLabels
        self.forks = forks
    }

    /// Whether `on.repositories` lists the repository (GitHub names are case-insensitive).
    public func selects(repository: String) -> Bool {
        repositories.contains(where: { $0.matches(repository, caseInsensitive: true) })
    }

    /// Whether the blueprint concerns this PR at all (repository and base branch). Fork and label
    /// rules are different: they *skip* a PR the blueprint concerns, which is reported in a status
    /// and destroys an environment that exists.
    public func selects(repository: String, baseBranch: String) -> Bool {
        selects(repository: repository) && selects(baseBranch: baseBranch)
    }

    /// Whether `on.base_branches` lists the branch (case-sensitive, as git names are).
    public func selects(baseBranch: String) -> Bool {
        baseBranches.contains(where: { $0.matches(baseBranch) })
    }

    /// Decides for one PR; the first failing rule gives the reason, in the order the rules are listed.
    public func matches(repository: String, baseBranch: String, labels: [String], isFork: Bool) -> Decision {
        guard selects(repository: repository) else {
            return .skip(reason: "repository \(repository) does not match on.repositories (\(Self.list(repositories)))")
        }
        guard selects(baseBranch: baseBranch) else {
            return .skip(reason: "base branch \(baseBranch) does not match on.base_branches (\(Self.list(baseBranches)))")
        }
        if isFork, forks == .skip {
            return .skip(reason: "pull request comes from a fork and on.forks is skip")
        }
        let skip = Set(skipLabels.map { $0.lowercased() })
        if let label = labels.first(where: { skip.contains($0.lowercased()) }) {
            return .skip(reason: "label \(label) is in on.skip_labels")
        }
        return .provision
    }

    private static func list(_ globs: [Glob]) -> String {
        globs.map(\.pattern).joined(separator: ", ")
    }
}

/// What to do with pull requests from forks.
public enum ForkPolicy: String, Sendable, Hashable, CaseIterable {
    /// The default: a fork's code never runs with this account's AWS credentials.
    case skip
    /// Build forks too. Their code runs in your pipelines: only for trusted contributors.
    case allow
}

/// The outcome of matching a PR against a blueprint's triggers.
public enum Decision: Sendable, Hashable {
    case provision
    /// `reason` is a sentence fit for a log line or a commit-status description.
    case skip(reason: String)
}
