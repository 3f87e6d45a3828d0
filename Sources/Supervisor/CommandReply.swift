import Foundation
import GitHub
import Orchestrator

/// The replies prenv posts to `/prenv` commands. Fixed text only: a reply never repeats what the
/// comment said (its body, a command word prenv did not know), nor a skip reason (which may name a
/// branch or label), so nothing a commenter typed can reach the PR through prenv's voice. The one
/// exception is the commenter's login, reduced to the characters GitHub allows in one and set in a
/// code span without its `@`, so it never mentions (notifies) anyone.
enum CommandReply {
    static let help = """
        prenv commands (a comment line starting with `/prenv`; users with write access only):
        - `/prenv redeploy`: apply the pull request's current head again (also after `/prenv destroy` or an expiry)
        - `/prenv destroy`: tear the environment down now; it stays down until the next push or `/prenv redeploy`
        - `/prenv keep`: spare the environment from expiry until the pull request closes
        - `/prenv help`: this list
        """

    static func unknownCommand() -> String { "prenv does not know that command.\n\n" + help }

    static func noWritePermission(login: String, command: PrenvCommand, permission: String) -> String {
        "prenv did not run `\(command.text)`: it needs write permission on this repository, and \(code(login)) has "
            + "\(code(word(permission)))."
    }

    static func cannotCheck(command: PrenvCommand) -> String {
        "prenv did not run `\(command.text)`: GitHub did not answer whether the commenter may write to this repository. "
            + "Nothing was changed; comment again in a minute."
    }

    static func noEnvironment(command: PrenvCommand) -> String {
        "prenv did not run `\(command.text)`: no blueprint selects this pull request (or prenv has not seen it opened or pushed yet)."
    }

    static func refused(command: PrenvCommand, reasons: [(blueprint: String, refusal: EnvironmentStateMachine.CommandRefusal, forkSkipped: Bool)]) -> String {
        let lines = reasons.map { entry in
            let why: String
            switch entry.refusal {
            case .pullRequestClosed: why = "the pull request is closed"
            case .headUnknown: why = "prenv has not seen this pull request's head commit yet; push, or wait for its event"
            case .forkUnknown:
                why = "prenv does not know yet whether this pull request comes from a fork (it was last seen by an older prenv); "
                    + "wait for the next push, then comment again"
            case .skipped:
                why = entry.forkSkipped
                    ? "the pull request comes from a fork and the blueprint skips forks (`on.forks: skip`)"
                    : "the blueprint's `on:` rules skip this pull request (a skip label or its base branch; its commit status says which)"
            }
            return "- \(code(word(entry.blueprint))): \(why)"
        }
        return "prenv did not run `\(command.text)`:\n" + lines.joined(separator: "\n")
    }

    /// A login as GitHub allows it (letters, digits, `-`, and an App's `[bot]`), in a code span.
    static func code(_ login: String) -> String {
        "`" + word(login) + "`"
    }

    /// Only `[A-Za-z0-9._-]` and `[`/`]`: what logins, repository and blueprint names and GitHub's
    /// permission names are made of; anything else (a backtick, `@`, Markdown) is dropped.
    static func word(_ text: String) -> String {
        let kept = text.unicodeScalars.filter {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "._-[]".unicodeScalars.contains($0)
        }
        return String(String.UnicodeScalarView(kept.prefix(100)))
    }
}
