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
    ///
    /// The work is done per Unicode scalar, never per `Character`: GitHub's parser reads bytes, so a
    /// `|` joined to a combining mark (U+034F) or a prepend character (U+0D4E) into one grapheme is
    /// still a `|` to it — comparing graphemes with `"|"` would let it through raw.
    /// With `limit`, cut (before escaping) after that many scalars and marked with `…`.
    public static func markdown(_ value: String, limit: Int? = nil) -> String {
        let scalars = Array(value.unicodeScalars)
        let kept = limit.map { Array(scalars.prefix(max(0, $0))) } ?? scalars
        var keptText = ""
        keptText.unicodeScalars.append(contentsOf: kept)
        let shown = Array(printable(keptText).unicodeScalars)
        var result = ""
        result.reserveCapacity(shown.count)
        for (index, scalar) in shown.enumerated() {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "@": result += "@&#8203;"
            case "#": result += "\\#&#8203;"
            case ":":
                result += ":"
                if index + 2 < shown.count, shown[index + 1] == "/", shown[index + 2] == "/" { result += "&#8203;" }
            case ".":
                if index >= 3, shown[(index - 3)..<index].allSatisfy({ $0 == "w" || $0 == "W" }) { result += "&#8203;" }
                result += "\\."
            default:
                if scalar.isASCII, markdownPunctuation.contains(UInt8(scalar.value)) {
                    result += "\\"
                }
                result.unicodeScalars.append(scalar)
            }
        }
        if kept.count < scalars.count { result += "…" }
        return result
    }

    /// ASCII punctuation with a meaning in CommonMark or GFM (entities and `@ # : .` handled above).
    static let markdownPunctuation = Set("\\`*_{}[]()+-!|~=$^%?;,/".utf8)
}
