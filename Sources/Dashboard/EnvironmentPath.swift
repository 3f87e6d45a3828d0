import Foundation
import Orchestrator

/// The URL of one environment's page, `/environments/OWNER/NAME/PR/BLUEPRINT`: the repository's
/// `owner/name` as two path segments, so its slash needs no encoding (an encoded `%2F` is decoded
/// or refused differently by proxies and routers), then the PR number and the blueprint. Each part
/// is checked against GitHub's and prenv's rules for it, so a page link, a GitHub link and the
/// route's parsing all agree, and a name that does not fit gets no link at all.
public struct EnvironmentPath: Sendable, Hashable {
    public var owner: String
    public var name: String
    public var pr: Int
    public var blueprint: String

    /// Nil unless every part is valid.
    public init?(owner: String, name: String, pr: String, blueprint: String) {
        guard Self.isOwner(owner), Self.isRepositoryName(name), let number = Int(pr), String(number) == pr, number > 0,
              Self.isBlueprint(blueprint) else { return nil }
        self.owner = owner
        self.name = name
        self.pr = number
        self.blueprint = blueprint
    }

    /// Nil when the key's repository is not `owner/name` as GitHub spells it.
    public init?(_ key: EnvironmentKey) {
        let parts = key.repository.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        self.init(owner: String(parts[0]), name: String(parts[1]), pr: String(key.pr), blueprint: key.blueprint)
    }

    public var key: EnvironmentKey { EnvironmentKey(repository: "\(owner)/\(name)", pr: pr, blueprint: blueprint) }

    /// The dashboard page: every part is made of URL-safe characters (checked above).
    public var path: String { "/environments/\(owner)/\(name)/\(pr)/\(blueprint)" }

    /// The pull request on GitHub, built from the validated parts only.
    public var pullRequestURL: String { "https://github.com/\(owner)/\(name)/pull/\(pr)" }

    /// GitHub logins: letters, digits and single hyphens, at most 39, not starting with a hyphen.
    static func isOwner(_ value: String) -> Bool {
        !value.isEmpty && value.count <= 39 && value.first != "-"
            && value.unicodeScalars.allSatisfy { isASCIIAlphanumeric($0) || $0 == "-" }
    }

    /// GitHub repository names: letters, digits, `.`, `-`, `_`, at most 100, not `.` or `..`.
    static func isRepositoryName(_ value: String) -> Bool {
        !value.isEmpty && value.count <= 100 && value != "." && value != ".."
            && value.unicodeScalars.allSatisfy { isASCIIAlphanumeric($0) || $0 == "." || $0 == "-" || $0 == "_" }
    }

    /// Blueprint names: `[a-z][a-z0-9-]{0,31}` (what the blueprint loader accepts).
    static func isBlueprint(_ value: String) -> Bool {
        guard let first = value.unicodeScalars.first, ("a"..."z").contains(first), value.count <= 32 else { return false }
        return value.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    private static func isASCIIAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}
