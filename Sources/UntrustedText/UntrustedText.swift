/// How text from an untrusted source (S3 keys and marker tags a pull request's build wrote, branch
/// names, GitHub's and AWS's answers) is shown in a log line, an error, a status or a report: one
/// rule for the whole program, so a value escaped in one place cannot slip through another.
///
/// Control characters (C0, DEL, C1), Unicode format characters (zero-width and bidirectional
/// controls, which can make a line read other than it is), line and paragraph separators, and `\`
/// itself become `\\` or `\u{…}`: no forged log lines, no terminal escapes, no text that reorders
/// itself on screen. Everything else, other scripts included, is kept as written.
public enum UntrustedText {
    /// `value` made printable; with `limit`, cut after that many Unicode scalars and marked with `…`.
    /// Scalars, not characters: one character can carry thousands of combining marks, and the
    /// limit bounds what a reader (a log line, a page, a status) has to hold.
    public static func printable(_ value: String, limit: Int? = nil) -> String {
        let scalars = value.unicodeScalars
        let shown = limit.map { scalars.prefix($0) } ?? scalars[...]
        var result = ""
        for scalar in shown {
            if scalar == "\\" {
                result += "\\\\"
            } else if mustEscape(scalar) {
                result += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        if let limit, scalars.count > limit { result += "…" }
        return result
    }

    static func mustEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: true
        default: false
        }
    }
}
