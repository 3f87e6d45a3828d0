/// Identifies one per-PR environment: the same PR can have one environment per blueprint, and two
/// repositories' PR #5 are different environments.
public struct EnvironmentKey: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// `owner/name`, as GitHub writes it.
    public var repository: String
    public var pr: Int
    /// The blueprint's `name`.
    public var blueprint: String

    public init(repository: String, pr: Int, blueprint: String) {
        self.repository = repository
        self.pr = pr
        self.blueprint = blueprint
    }

    /// `owner/name#5/webapp`: stable across versions, so stores may use it as a primary key and logs
    /// can be grepped for it. `#` and `/` cannot appear in a blueprint name, so it is unambiguous.
    public var id: String { "\(repository)#\(pr)/\(blueprint)" }

    public var description: String { id }

    /// Orders by repository, PR, then blueprint, so listings are stable.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.repository, lhs.pr, lhs.blueprint) < (rhs.repository, rhs.pr, rhs.blueprint)
    }
}
