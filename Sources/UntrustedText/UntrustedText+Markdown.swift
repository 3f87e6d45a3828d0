/// Untrusted text placed in GitHub Markdown (a PR comment, a table cell): it must render as the
/// same text, and nothing more. GitHub renders comments as GFM with HTML allowed, links anything
/// that looks like a URL, mentions `@user` and `@org/team` (notifying them), and references `#12`.
extension UntrustedText {
    /// `value` as inert Markdown text on one line:
    /// - `printable` first: control, format (RTL overrides, zero-width) and line-break characters
    ///   become visible `\u{…}`, so a value cannot start a new table row or reorder itself;
    /// - `&`, `<`, `>`, `"`, `'` become HTML entities: no tag, no HTML comment (`-->` cannot end
    ///   prenv's hidden marker), no attribute;
    /// - every ASCII punctuation character Markdown gives a meaning to is backslash-escaped (CommonMark
    ///   allows escaping any ASCII punctuation): no emphasis, code span, link or image (`[x](…)`),
    ///   heading, list, and `|` cannot close a table cell;
    /// - a zero-width space (`&#8203;`) follows `@`, `#` and the `:` of `://`, and splits `www.`,
    ///   which GFM would otherwise turn into a mention, an issue reference or an autolink.
    /// With `limit`, cut (before escaping) after that many characters and marked with `…`.
    public static func markdown(_ value: String, limit: Int? = nil) -> String {
        let shown = printable(value, limit: limit)
        var result = ""
        result.reserveCapacity(shown.utf8.count)
        let characters = Array(shown)
        for (index, character) in characters.enumerated() {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "@": result += "@&#8203;"
            case "#": result += "\\#&#8203;"
            case ":":
                result += ":"
                if index + 2 < characters.count, characters[index + 1] == "/", characters[index + 2] == "/" { result += "&#8203;" }
            case ".":
                let before = characters[max(0, index - 3)..<index].map { $0.lowercased() }.joined()
                if before == "www" { result += "&#8203;" }
                result += "\\."
            default:
                if let ascii = character.asciiValue, markdownPunctuation.contains(ascii) {
                    result += "\\" + String(character)
                } else {
                    result.append(character)
                }
            }
        }
        return result
    }

    /// ASCII punctuation with a meaning in CommonMark or GFM (entities and `@ # : .` handled above).
    static let markdownPunctuation = Set("\\`*_{}[]()+-!|~=$^%?;,/".utf8)
}
