/// A repository's `.prenv/` folder at one commit, as read (from GitHub or a local checkout): the files prenv may read and,
/// for each entry it would not read, why. Paths are repository-relative (".prenv/preview.yaml", ".prenv/stacks/site.yaml").
///
/// It lives here, in the engine's blueprint module, because the blueprint parser consumes it and must not depend on
/// GitHub; the GitHub module fills it (`RepositoryFolderReader`). A plain value: every string in it came from the
/// pull request's author (names, contents, symlink targets), so whoever shows one escapes it first.
public struct RepositorySnapshot: Sendable, Equatable {
    /// The folder prenv reads blueprints from, at the repository's root.
    public static let directory = ".prenv"

    public var repository: String          // "acme/webapp"
    public var ref: String                 // what was asked for: "main" or a sha
    public var files: [String: String]     // UTF-8 text of every regular file read
    public var refused: [String: String]   // path → reason ("a symlink: not followed", "1.2 MB: larger than the 1 MB limit", "not UTF-8 text", "a submodule")
    public var problem: String?            // the folder as a whole could not be read: "`.prenv` is a file, not a folder", "`.prenv/` holds 1000 entries; at most 100 are read"
    public var exists: Bool                // false when there is no `.prenv` at that ref (404): not an error, just no repository blueprints

    public init(repository: String, ref: String, files: [String: String] = [:], refused: [String: String] = [:],
                problem: String? = nil, exists: Bool = true) {
        self.repository = repository
        self.ref = ref
        self.files = files
        self.refused = refused
        self.problem = problem
        self.exists = exists
    }
}
