import Foundation

/// Where a blueprint's `template_file` paths are read from: the seam that keeps a repository's blueprint
/// away from the server's disk. Server blueprints read next to their file; a repository's blueprint reads
/// only from the snapshot of its own `.prenv/`, so no path it writes can reach a file of the server's.
enum TemplateFileSource: Sendable {
    /// A folder on disk (server-side blueprints): relative paths resolve inside it, absolute ones as given.
    case directory(String)
    /// The `.prenv/` folder of a repository at one ref: paths resolve inside `.prenv/` and never leave it.
    case snapshot(RepositorySnapshot)

    enum Read {
        /// `location` is where the text was found, for messages and for `allow_templates`.
        case data(Data, location: String)
        /// Why it could not be read, as the end of "<noun> `<path>` …".
        case problem(String)
    }

    func read(_ path: String) -> Read {
        switch self {
        case let .directory(base):
            let resolved = path.hasPrefix("/") ? path : (base as NSString).appendingPathComponent(path)
            guard let data = FileManager.default.contents(atPath: resolved) else { return .problem("not found (looked for `\(resolved)`)") }
            return .data(data, location: resolved)
        case let .snapshot(snapshot):
            let resolved: String
            switch Self.repositoryPath(of: path) {
            case let .success(found): resolved = found
            case let .failure(problem): return .problem(problem.message)
            }
            if let refused = Self.refusal(of: resolved, in: snapshot) {
                return .problem("was not read (`\(refused.path)`: \(refused.reason))")
            }
            guard let text = snapshot.files[resolved] else {
                return .problem("not found in `\(RepositorySnapshot.directory)/` of \(snapshot.repository) at \(snapshot.ref) (looked for `\(resolved)`)")
            }
            return .data(Data(text.utf8), location: resolved)
        }
    }

    struct PathProblem: Error {
        var message: String
    }

    /// `stacks/site.yaml` → `.prenv/stacks/site.yaml`. Relative to `.prenv/` and never outside it: an absolute
    /// path, a backslash (a Windows separator some tools honour), NUL, an empty segment or a `..` that climbs
    /// out of `.prenv/` is refused rather than normalised into something the author did not write.
    static func repositoryPath(of path: String) -> Result<String, PathProblem> {
        if path.isEmpty { return .failure(PathProblem(message: "is empty")) }
        if path.hasPrefix("/") { return .failure(PathProblem(message: "is absolute; write it relative to `\(RepositorySnapshot.directory)/`")) }
        if path.contains("\\") { return .failure(PathProblem(message: "contains a backslash; separate folders with `/`")) }
        if path.unicodeScalars.contains("\0") { return .failure(PathProblem(message: "contains a NUL character")) }
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: false) {
            switch segment {
            case "": return .failure(PathProblem(message: "has an empty segment (`//` or a trailing `/`)"))
            case ".": continue
            case "..":
                guard !segments.isEmpty else {
                    return .failure(PathProblem(message: "leaves `\(RepositorySnapshot.directory)/`: a repository's blueprint reads files from its own `\(RepositorySnapshot.directory)/` folder only"))
                }
                segments.removeLast()
            default: segments.append(segment)
            }
        }
        guard !segments.isEmpty else { return .failure(PathProblem(message: "names the `\(RepositorySnapshot.directory)` folder itself, not a file")) }
        return .success(([Substring(RepositorySnapshot.directory)] + segments).joined(separator: "/"))
    }

    /// Why the reader refused the file or one of its folders (a symlinked folder is refused as a whole).
    static func refusal(of path: String, in snapshot: RepositorySnapshot) -> (path: String, reason: String)? {
        var prefix = ""
        for segment in path.split(separator: "/") {
            prefix += prefix.isEmpty ? String(segment) : "/" + segment
            if let reason = snapshot.refused[prefix] { return (prefix, reason) }
        }
        return nil
    }
}
