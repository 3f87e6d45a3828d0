/// Names for the resources of one pull request's environment.
public enum AWSNames {
    /// The longest `env.name`, leaving room for suffixes such as `-artifacts` inside S3's 63.
    public static let envNameMaxLength = 40

    /// `<blueprint>-<repo>-pr<number>-<hash>`, e.g. `webapp-site-pr5-0k3j9x2a`.
    ///
    /// Unique per repository, PR and blueprint: the hash covers the full, lower-cased `owner/name`
    /// (GitHub treats names case-insensitively) and the blueprint, so `a-b/c` and `a/b-c`, or two
    /// owners' `site` repositories, never share a name even though their slugs look alike. The
    /// result is lower-case `[a-z][a-z0-9-]*[a-z0-9]` without `--`, at most 40 characters: valid as
    /// a CodePipeline, CodeBuild, CloudFormation and S3 bucket name alike.
    public static func envName(repository: String, pr: Int, blueprint: String) -> String {
        let hash = StableHash.short(repository.lowercased() + "\n" + blueprint)
        let number = "pr" + String(pr).replacingMinus
        let fixed = number.count + hash.count + 2
        // A 19-digit PR number leaves less room: the blueprint part shrinks (but keeps its letter).
        let blueprintLimit = max(1, min(12, envNameMaxLength - fixed - 1))
        var blueprintSlug = slug(blueprint, limit: blueprintLimit)
        if blueprintSlug.unicodeScalars.first.map({ !$0.isASCIILetter }) ?? true {
            blueprintSlug = slug("env" + blueprintSlug, limit: blueprintLimit)
        }
        let repositoryName = repository.split(separator: "/").last.map(String.init) ?? repository
        let repositorySlug = slug(repositoryName, limit: max(0, envNameMaxLength - fixed - blueprintSlug.count - 1))
        return [blueprintSlug, repositorySlug, number, hash].filter { !$0.isEmpty }.joined(separator: "-")
    }

    /// Lower-case letters, digits and single inner hyphens, at most `limit` characters.
    static func slug(_ text: String, limit: Int) -> String {
        let replaced = NamingRule.replacingDisallowed(in: text.lowercased(), lowercase: true) { $0.isLowercaseOrDigit }
        let trim: (String) -> String = {
            NamingRule.trimmed($0, keepFirst: { $0 != "-" }, keepLast: { $0 != "-" })
        }
        return trim(String(String.UnicodeScalarView(trim(replaced).unicodeScalars.prefix(limit))))
    }
}

extension String {
    fileprivate var replacingMinus: String { hasPrefix("-") ? "n" + dropFirst() : self }
}
