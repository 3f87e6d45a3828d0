/// A `/prenv` command found in a PR comment.
///
/// How strict the reading is, and why: a command is a line whose first word is `/prenv` (any case,
/// leading spaces allowed); the next word names the command (any case); words after it are ignored,
/// so `/prenv destroy — done testing` works. Only the first command line of a comment counts (one
/// comment, one action). Lines inside fenced code blocks (``` or ~~~) and quoted lines (`> …`, how
/// GitHub's "Quote reply" cites someone else's command) are not commands: quoting or documenting a
/// command must not run it. `/prenv` alone asks for help; a word prenv does not know is `unknown`
/// (answered with the help), and a first word like `/prenv-destroy` or `please /prenv destroy` is no
/// command at all, so ordinary prose is never mistaken for one.
public enum PrenvCommand: Sendable, Hashable {
    case redeploy
    case destroy
    case keep
    case help
    /// A command word prenv does not know. The word is untrusted text: never echo it unescaped.
    case unknown(String)

    /// The first command in `body`, or nil when it holds none.
    public static func parse(_ body: String) -> PrenvCommand? {
        var fence: String?
        for rawLine in body.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = rawLine.drop(while: { $0 == " " || $0 == "\t" })
            if let open = fence {
                if line.hasPrefix(open) { fence = nil }
                continue
            }
            if line.hasPrefix("```") || line.hasPrefix("~~~") {
                fence = String(line.prefix(3))
                continue
            }
            let words = line.split(whereSeparator: { $0.isWhitespace })
            guard let first = words.first, first.lowercased() == "/prenv" else { continue }
            guard words.count > 1 else { return .help }
            return command(named: words[1].lowercased())
        }
        return nil
    }

    static func command(named word: String) -> PrenvCommand {
        switch word {
        case "redeploy": .redeploy
        case "destroy": .destroy
        case "keep": .keep
        case "help": .help
        default: .unknown(word)
        }
    }

    /// The command as typed, e.g. `/prenv destroy`; `unknown` gives `/prenv` only (its word is untrusted).
    public var text: String {
        switch self {
        case .redeploy: "/prenv redeploy"
        case .destroy: "/prenv destroy"
        case .keep: "/prenv keep"
        case .help: "/prenv help"
        case .unknown: "/prenv"
        }
    }
}
