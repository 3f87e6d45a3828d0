internal import CSQLite
import Foundation

/// A `--state` value this build cannot use.
public struct StateURLError: Error, Sendable, Hashable, CustomStringConvertible {
    public var url: String
    public var reason: String

    public init(url: String, reason: String) {
        self.url = StateURLError.redacted(url)
        self.reason = reason
    }

    /// `url` with any password in its user info replaced (`postgres://prenv:<redacted>@db/prenv`), so a
    /// `--state` or `PRENV_STATE` can be named in errors and logs without its secret. Over-redacts
    /// rather than guesses, since a value that reaches an error is often a mistyped URL
    /// (`postgress://u:p/w@h/db`, `postgres:/u:pw@h/db`, `u:pw@h/db`): everything from the first `:`
    /// of the user info (or of the value, without `://`) to the last `@` goes; without an `@`, a
    /// "port" that is not digits (a password missing its `@HOST`) goes.
    public static func redacted(_ url: String) -> String {
        // `://` counts only after a scheme-like prefix: in `u:pw@h/db?x=http://y` it is not one.
        let start = url.range(of: "://").flatMap { isSchemeLike(url[..<$0.lowerBound]) ? $0.upperBound : nil } ?? url.startIndex
        let rest = url[start...]
        if let at = rest.lastIndex(of: "@") {
            guard let colon = rest[..<at].firstIndex(of: ":") else { return url }
            return String(url[..<colon]) + ":<redacted>" + url[at...]
        }
        guard start != url.startIndex else { return url }
        let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        guard let colon = rest[..<end].lastIndex(of: ":"), rest[rest.index(after: colon)..<end].contains(where: { !($0.isASCII && $0.isNumber) })
        else { return url }
        return String(url[..<colon]) + ":<redacted>" + url[end...]
    }

    /// RFC 3986's scheme shape, at most 20 characters.
    static func isSchemeLike(_ text: Substring) -> Bool {
        text.count <= 20 && text.first?.isLetter == true && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }
    }

    public var description: String { "invalid --state '\(url)': \(reason)" }
}

extension SQLiteStateStore {
    /// Where the state lives when `--state` is not given, relative to the working directory.
    public static let defaultRelativePath = ".prenv/state.sqlite"

    /// The database path a `--state` flag names: `sqlite:PATH` (also `sqlite://PATH`), a relative
    /// `PATH` taken from `workingDirectory`; no flag, or an empty path, means `defaultRelativePath`.
    ///
    /// The scheme is required so that `postgres://…` (dispatched before this, by prenv's
    /// `StateLocation`) changes no existing meaning.
    public static func parse(url: String?, workingDirectory: String) throws -> String {
        guard let url else { return resolve(defaultRelativePath, in: workingDirectory) }
        guard let scheme = scheme(of: url) else {
            throw StateURLError(url: url, reason: "no scheme; write sqlite:\(url)")
        }
        switch scheme.lowercased() {
        case "sqlite":
            var rest = url.dropFirst(scheme.count + 1)
            if rest.hasPrefix("//") { rest = rest.dropFirst(2) }
            if rest.isEmpty { return resolve(defaultRelativePath, in: workingDirectory) }
            return rest == ":memory:" ? ":memory:" : resolve(String(rest), in: workingDirectory)
        case "postgres", "postgresql":
            throw StateURLError(url: url, reason: "a PostgreSQL URL is not a SQLite state; open it as PostgreSQL (StateLocation)")
        default:
            throw StateURLError(
                url: url, reason: "unknown scheme '\(scheme)'; use sqlite:PATH (e.g. sqlite:\(defaultRelativePath)) or postgres://USER@HOST/DB")
        }
    }

    /// The URL scheme (RFC 3986: a letter, then letters, digits, `+`, `-`, `.`), if `url` has one.
    private static func scheme(of url: String) -> String? {
        guard let colon = url.firstIndex(of: ":") else { return nil }
        let candidate = url[..<colon]
        guard let first = candidate.first, first.isASCII, first.isLetter,
              candidate.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) })
        else { return nil }
        return String(candidate)
    }

    private static func resolve(_ path: String, in workingDirectory: String) -> String {
        let base = URL(fileURLWithPath: workingDirectory, isDirectory: true)
        return URL(fileURLWithPath: path, relativeTo: base).standardizedFileURL.path
    }

    /// `mkdir -p` for the database's directory, so `.prenv/` need not exist on first run.
    static func createParentDirectory(of path: String) throws {
        guard path != ":memory:", !path.isEmpty else { return }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw SQLiteError(
                operation: "create directory \(directory.path)", code: SQLITE_CANTOPEN,
                message: String(describing: error), path: path)
        }
    }
}
