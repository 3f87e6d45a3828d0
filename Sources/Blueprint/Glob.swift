/// Shell-style wildcard matching for repository and branch selectors.
///
/// `*` matches any run of characters, `/` included (so `release/*` also matches `release/1.2/hotfix`);
/// `?` matches exactly one character; everything else matches itself. No `**`, classes or escapes:
/// the selectors are short, and fewer rules mean fewer surprises.
public struct Glob: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    private let pieces: [Character]

    public init(_ pattern: String) {
        self.pattern = pattern
        self.pieces = Array(pattern)
    }

    public var description: String { pattern }

    /// Iterative matcher with single-star backtracking: linear-ish, no recursion, no regex engine.
    public func matches(_ text: String, caseInsensitive: Bool = false) -> Bool {
        let pattern = caseInsensitive ? Array(self.pattern.lowercased()) : pieces
        let text = caseInsensitive ? Array(text.lowercased()) : Array(text)
        var p = 0, t = 0
        var star: Int?, starText = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == "?" || (pattern[p] != "*" && pattern[p] == text[t]) {
                p += 1
                t += 1
            } else if p < pattern.count, pattern[p] == "*" {
                star = p
                starText = t
                p += 1
            } else if let star {
                p = star + 1
                starText += 1
                t = starText
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
