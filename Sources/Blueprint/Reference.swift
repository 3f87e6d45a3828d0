/// A variable describing the pull request an environment is built for.
///
/// The raw values are exactly what blueprint authors write inside `${…}`.
public enum ContextVariable: String, CaseIterable, Sendable, Hashable {
    case prNumber = "pr.number"
    case prHeadSHA = "pr.head.sha"
    case prHeadRef = "pr.head.ref"
    case prBaseRef = "pr.base.ref"
    case prAuthor = "pr.author"
    case repoOwner = "repo.owner"
    case repoName = "repo.name"
    /// A name unique per repository, PR and blueprint, valid in every AWS service (see `AWSNames.envName`).
    case envName = "env.name"

    /// The first path components that introduce a context variable rather than a resource.
    static let roots: Set<String> = ["pr", "repo", "env"]
}

/// What one `${…}` stands for: a fact about the PR, or an output of another resource.
///
/// An output reference is also a dependency edge: the referring resource is created after the
/// referenced one, because it needs the value.
public enum Reference: Sendable, Hashable, Comparable, CustomStringConvertible {
    case context(ContextVariable)
    case output(resource: String, key: String)

    /// The resource this reference depends on, if it is an output reference.
    public var resource: String? {
        if case let .output(resource, _) = self { return resource }
        return nil
    }

    /// The reference as written, e.g. `${build.outputs.name}`.
    public var description: String {
        switch self {
        case let .context(variable): "${\(variable.rawValue)}"
        case let .output(resource, key): "${\(resource).outputs.\(key)}"
        }
    }

    public static func < (lhs: Reference, rhs: Reference) -> Bool {
        lhs.description < rhs.description
    }
}
