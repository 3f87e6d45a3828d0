/// The pull request an environment is rendered for: the values of the context variables. Codable
/// because `prenv serve` saves it with each worker, to render at the right commit after a restart.
public struct PRContext: Sendable, Hashable, Codable {
    public var owner: String
    public var repository: String
    public var number: Int
    public var headSHA: String
    public var headRef: String
    public var baseRef: String
    public var author: String
    /// Whether the head branch lives in another repository (a fork); nil when not known (a context
    /// recorded before prenv kept it, or made by `prenv up`). Repository blueprints read the PR's own
    /// `.prenv/` only when this is `false`, so unknown counts as a fork.
    public var fromFork: Bool?
    /// The repository's default branch as the last webhook said; nil when not known.
    public var defaultBranch: String?

    public init(owner: String, repository: String, number: Int, headSHA: String, headRef: String, baseRef: String, author: String,
                fromFork: Bool? = nil, defaultBranch: String? = nil) {
        self.defaultBranch = defaultBranch
        self.owner = owner
        self.repository = repository
        self.number = number
        self.headSHA = headSHA
        self.headRef = headRef
        self.baseRef = baseRef
        self.author = author
        self.fromFork = fromFork
    }

    /// `owner/name`, as GitHub writes it.
    public var fullRepositoryName: String { "\(owner)/\(repository)" }

    /// The value of `variable`; `env.name` depends on the blueprint, hence the parameter.
    public func value(of variable: ContextVariable, blueprint: String) -> String {
        switch variable {
        case .prNumber: String(number)
        case .prHeadSHA: headSHA
        case .prHeadRef: headRef
        case .prBaseRef: baseRef
        case .prAuthor: author
        case .repoOwner: owner
        case .repoName: repository
        case .envName: AWSNames.envName(repository: fullRepositoryName, pr: number, blueprint: blueprint)
        }
    }
}

extension PRContext {
    /// The same pull request at another head commit.
    public func at(sha: String) -> PRContext {
        var context = self
        context.headSHA = sha
        return context
    }
}
