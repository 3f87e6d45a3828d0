import Blueprint
import Foundation
import GitHub

/// Finds the blueprints a pull request's repository keeps in `.prenv/`, under the operator's
/// `repository_blueprints:` policy for that repository.
///
/// The trust model, decided here and nowhere else:
/// - Without a policy, or with `enabled: false`, a repository's `.prenv/` is never read.
/// - `from: base` (the default) reads the base branch's current head: only what was already merged,
///   so reviewed, decides what runs.
/// - `from: head` reads the PR's own head commit, so a PR can change its own preview, only when the PR
///   is not from a fork *and* its author may write to the repository (GitHub's answer, cached for a
///   minute). Otherwise the base branch's version is read and `note` says why, for the status.
/// - What the files may name (types, templates, secrets) is the loader's to check against the policy.
public struct RepositoryBlueprintResolver: Sendable {
    public let settings: RepositoryBlueprintSettings
    let reader: RepositoryFolderReader
    let kinds: ResourceKinds

    public init(settings: RepositoryBlueprintSettings, reader: RepositoryFolderReader, kinds: ResourceKinds) {
        self.settings = settings
        self.reader = reader
        self.kinds = kinds
    }

    /// What was read for one pull request.
    public struct Resolution: Sendable {
        /// One per `.prenv/*.yaml`, valid or not.
        public var files: [RepositoryBlueprintFile]
        /// The folder as a whole could not be used (`.prenv` a file, too many entries).
        public var problem: String?
        /// The ref read: the base branch's name, or the PR's head commit.
        public var ref: String
        public var source: RepositoryBlueprintPolicy.Source
        /// Why `from: head` was asked but the base was read; nil otherwise.
        public var note: String?
        /// Whether `.prenv` was found. GitHub answers 404 alike for a missing folder and for a ref or
        /// repository it cannot (or cannot yet) show, so an absent folder decides nothing away.
        public var folderExists = true

        /// The blueprints that validated, by their (scoped) name.
        public var blueprints: [String: Blueprint] {
            var result: [String: Blueprint] = [:]
            for file in files {
                if case .success(let blueprint) = file.result { result[blueprint.name] = blueprint }
            }
            return result
        }

        /// Whether every file validated and the folder was readable: only then may a missing
        /// blueprint be taken as removed (a broken file might be the one that defined it).
        public var isComplete: Bool {
            folderExists && problem == nil && files.allSatisfy { if case .success = $0.result { true } else { false } }
        }
    }

    /// Whether prenv reads `.prenv/` of `repository` at all.
    public func isEnabled(for repository: String) -> Bool {
        settings.policy(for: repository)?.enabled ?? false
    }

    /// Reads and validates the PR's repository blueprints; nil when the repository's are not read.
    /// Throws what GitHub's answers threw (the caller retries later; nothing is decided on a guess)
    /// and `CancellationError`.
    /// - Parameter baseCommit: read the base branch at this commit rather than at its current head
    ///   (a push's `before` and `after`).
    public func resolve(_ pullRequest: PRContext, permissions: PermissionCache?, baseCommit: String? = nil) async throws -> Resolution? {
        let repository = pullRequest.fullRepositoryName
        guard let policy = settings.policy(for: repository), policy.enabled,
              policy.reads(base: pullRequest.baseRef, defaultBranch: pullRequest.defaultBranch) else { return nil }
        var ref = baseCommit ?? pullRequest.baseRef
        var source = RepositoryBlueprintPolicy.Source.base
        var note: String?
        if policy.from == .head {
            if let refusal = try await Self.headRefusal(pullRequest, permissions: permissions) {
                note = "from \(pullRequest.baseRef): \(refusal)"
            } else {
                ref = pullRequest.headSHA
                source = .head
            }
        }
        let snapshot = try await reader.snapshot(repository: repository, ref: ref)
        var resolution = Resolution(files: [], problem: snapshot.problem, ref: ref, source: source, note: note, folderExists: snapshot.exists)
        guard snapshot.exists, snapshot.problem == nil else { return resolution }
        resolution.files = RepositoryBlueprintLoader.load(snapshot, policy: policy, kinds: kinds)
        return resolution
    }

    /// GitHub did not answer whether the author may write: which `.prenv/` to read is not decided on
    /// a guess (falling back to the base would tear down or re-apply a head-defined environment), so
    /// the batch is retried.
    struct PermissionUnknown: Error, CustomStringConvertible {
        var repository: String
        var description: String { "could not check the pull request author's permission on \(repository); retried later" }
    }

    /// Why the PR's own `.prenv/` may not be read, or nil when it may: not from a fork (unknown
    /// counts as one), and its author may write. Throws `PermissionUnknown` when GitHub does not
    /// say, and `CancellationError`.
    static func headRefusal(_ pullRequest: PRContext, permissions: PermissionCache?) async throws -> String? {
        guard pullRequest.fromFork == false else { return "a fork's own .prenv/ is not used" }
        guard let permissions else { return "the author's permission cannot be checked without GitHub" }
        switch try await permissions.access(repository: pullRequest.fullRepositoryName, user: pullRequest.author) {
        case .allowed: return nil
        case .denied: return "the author may not write to the repository, so their .prenv/ is not used"
        case .cannotCheck: throw PermissionUnknown(repository: pullRequest.fullRepositoryName)
        }
    }
}
