import Foundation

/// A commit status as prenv posts it. The description is made safe at construction, because
/// GitHub answers a description over 140 characters with 422 and the PR check would never update.
public struct CommitStatus: Sendable, Equatable, Encodable {
    public enum State: String, Sendable, Encodable, CaseIterable {
        case pending, success, failure, error
    }

    /// GitHub's documented limit for `description`.
    public static let maxDescriptionLength = 140

    public var state: State
    /// The check's label in the PR (e.g. `prenv/preview`); the latest status per context wins.
    public var context: String
    /// At most 140 characters, single line, no control characters.
    public private(set) var description: String?
    public var targetURL: URL?

    public init(state: State, context: String, description: String?, targetURL: URL? = nil) {
        self.state = state
        self.context = context
        self.description = description.map(Self.sanitised)
        self.targetURL = targetURL
    }

    enum CodingKeys: String, CodingKey {
        case state, context, description
        case targetURL = "target_url"
    }

    /// Collapses newlines/control characters to single spaces, trims, and cuts by Character
    /// (never inside a grapheme) to at most 139 code points + "…" when over the limit.
    public static func sanitised(_ text: String) -> String {
        var cleaned = ""
        var lastWasSpace = false
        for character in text {
            let isControl = character.unicodeScalars.contains { $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}" }
            if isControl || character.isWhitespace {
                if !lastWasSpace { cleaned.append(" ") }
                lastWasSpace = true
            } else {
                cleaned.append(character)
                lastWasSpace = false
            }
        }
        let trimmed = cleaned.trimmingCharacters(in: .whitespaces)
        // GitHub (Ruby) counts code points; a Character can hold several, so bound both.
        guard trimmed.unicodeScalars.count > maxDescriptionLength else { return trimmed }
        var kept = ""
        var scalars = 0
        for character in trimmed {
            let size = character.unicodeScalars.count
            if scalars + size > maxDescriptionLength - 1 { break }
            kept.append(character)
            scalars += size
        }
        return kept.trimmingCharacters(in: .whitespaces) + "…"
    }
}
