import Blueprint
import Crypto
import Foundation

/// Reads a repository's `.prenv/` folder at a ref through the contents API, within bounds a pull
/// request's author cannot push past, and cheaply enough to run on every push:
/// - **Bounds.** At most `maxEntries` entries in all the folders read (beyond that the snapshot has a
///   `problem` and no file is fetched: prenv would rather say "too many" than read some arbitrary
///   100); folders at most `maxDepth` below `.prenv/`; each file at most 1 MB (GitHub sends no content
///   beyond) and `maxTotalBytes` in all; symlinks and submodules are refused, never followed.
/// - **Caching.** Each folder's listing is kept per (repository, ref, folder) with its ETag, so the
///   next read of a branch sends `If-None-Match` and an unchanged folder costs a free `304`. File
///   texts are kept by git blob `sha`: the same bytes are never fetched twice, at any ref. A ref that
///   is a 40-hex sha names one commit forever, so its snapshot is kept whole and answered with no
///   request. Every cache is bounded (least recently used entries go first).
/// - **Sharing.** Concurrent snapshots of the same (repository, ref) wait on one read.
/// Errors (GitHub's 5xx after the client's retries, 401/403, unreadable answers) are thrown as the
/// client threw them (`GitHubError` naming the route); the caller decides what a failed read means.
public actor RepositoryFolderReader {
    public struct Limits: Sendable, Equatable {
        public var maxEntries = 100
        /// GitHub's own limit for the contents API.
        public var maxFileBytes = 1024 * 1024
        public var maxTotalBytes = 4 * 1024 * 1024
        /// Folders below `.prenv/` that are listed: `.prenv/a/b/c` is depth 3.
        public var maxDepth = 3
        public var maxListings = 1_000
        public var maxTextBytes = 32 * 1024 * 1024
        public var maxSnapshots = 256

        public init() {}
    }

    /// What the reader has cost so far, for tests and logs.
    public struct Counters: Sendable, Equatable {
        /// Contents requests made (each retried attempt inside the client counts once).
        public var requests = 0
        /// Of those, answered `304 Not Modified` (free against the rate limit).
        public var notModified = 0
        /// File contents fetched (not found in the text cache).
        public var fileFetches = 0
        /// Snapshots of a sha answered from memory with no request.
        public var snapshotHits = 0
        /// Calls that waited on a read another call had started.
        public var sharedReads = 0

        public init() {}
    }

    private struct Key: Hashable {
        var repository: String
        var ref: String
    }

    private struct Listing {
        var etag: String
        var entries: [ContentEntry]
    }

    /// A file read before, by blob sha: its text, or why it is not read.
    private enum Blob {
        case text(String)
        case notText
    }

    private let client: GitHubClient
    public let limits: Limits
    private var listings: BoundedCache<String, Listing>
    private var blobs: BoundedCache<String, Blob>
    private var snapshots: BoundedCache<Key, RepositorySnapshot>
    private var reads: [Key: Task<RepositorySnapshot, any Error>] = [:]
    public private(set) var counters = Counters()

    public init(client: GitHubClient, limits: Limits = Limits()) {
        self.client = client
        self.limits = limits
        listings = BoundedCache(maxCount: limits.maxListings)
        blobs = BoundedCache(maxCount: .max, maxCost: limits.maxTextBytes)
        snapshots = BoundedCache(maxCount: limits.maxSnapshots)
    }

    /// `.prenv/` of `repository` (`owner/name`) at `ref` (a branch, tag or sha).
    public func snapshot(repository: String, ref: String) async throws -> RepositorySnapshot {
        // GitHub's repository names are case-insensitive; refs are not.
        let key = Key(repository: repository.lowercased(), ref: Self.isSHA(ref) ? ref.lowercased() : ref)
        if Self.isSHA(ref), let kept = snapshots.value(for: key) {
            counters.snapshotHits += 1
            return RepositorySnapshot(repository: repository, ref: ref, files: kept.files, refused: kept.refused,
                                      problem: kept.problem, exists: kept.exists)
        }
        if let running = reads[key] {
            counters.sharedReads += 1
            return try await SharedTaskWait.value(of: running)
        }
        let task = Task<RepositorySnapshot, any Error> {
            defer { reads[key] = nil }
            let snapshot = try await read(repository: repository, ref: ref)
            // Not an absent folder: GitHub answers 404 for a commit it does not know yet too.
            if Self.isSHA(ref), snapshot.exists { snapshots.store(snapshot, for: key) }
            return snapshot
        }
        reads[key] = task
        return try await SharedTaskWait.value(of: task)
    }

    private static func isSHA(_ ref: String) -> Bool {
        ref.utf8.count == 40 && ref.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
            || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains($0) }
    }

    /// Lists every folder first (so the entry bound is checked before any file is fetched), then reads the files.
    private func read(repository: String, ref: String) async throws -> RepositorySnapshot {
        let root = RepositorySnapshot.directory
        var snapshot = RepositorySnapshot(repository: repository, ref: ref)
        let rootEntries: [ContentEntry]
        switch try await list(repository: repository, ref: ref, path: root) {
        case .notFound:
            snapshot.exists = false
            return snapshot
        case .entries(let entries):
            rootEntries = entries
        case .notAFolder(let what):
            snapshot.problem = "`\(root)` is \(what), not a folder"
            return snapshot
        }
        // Folders are listed breadth first and every listing counts at once, so a folder of 100
        // sub-folders costs at most the listings that fit in the bound, not 100 of them.
        var files: [ContentEntry] = []
        var folders: [(entries: [ContentEntry], depth: Int)] = [(rootEntries, 0)]
        var total = rootEntries.count
        guard total <= limits.maxEntries else {
            snapshot.problem = "`\(root)/` holds \(total) entries; at most \(limits.maxEntries) are read"
            return snapshot
        }
        while !folders.isEmpty {
            let (entries, depth) = folders.removeFirst()
            for entry in entries {
                switch entry.type {
                case .file:
                    files.append(entry)
                case .dir where depth + 1 > limits.maxDepth:
                    snapshot.refused[entry.path] = "a folder more than \(limits.maxDepth) levels below `\(root)/`: not read"
                case .dir:
                    switch try await list(repository: repository, ref: ref, path: entry.path) {
                    case .entries(let inner):
                        total += inner.count
                        guard total <= limits.maxEntries else {
                            snapshot.problem = "`\(root)/` holds at least \(total) entries; at most \(limits.maxEntries) are read"
                            return snapshot
                        }
                        folders.append((inner, depth + 1))
                    case .notFound: snapshot.refused[entry.path] = "gone while being read (the branch moved?)"
                    case .notAFolder(let what): snapshot.refused[entry.path] = "\(what) while being read as a folder (the branch moved?)"
                    }
                case .symlink:
                    snapshot.refused[entry.path] = "a symlink: not followed"
                case .submodule:
                    snapshot.refused[entry.path] = "a submodule"
                case .unreadableName:
                    snapshot.refused[entry.path] = "a name with control characters: not read"
                case .other(let type):
                    snapshot.refused[entry.path] = "an entry of type \(GitHubClient.printable(type)): not read"
                }
            }
        }
        var bytes = 0
        for entry in files.sorted(by: { $0.path < $1.path }) {
            guard entry.size <= limits.maxFileBytes else {
                snapshot.refused[entry.path] = "\(Self.megabytes(entry.size)): larger than the \(Self.megabytes(limits.maxFileBytes)) limit"
                continue
            }
            guard bytes + entry.size <= limits.maxTotalBytes else {
                snapshot.refused[entry.path] = "not read: the folder's files would pass \(Self.megabytes(limits.maxTotalBytes)) in all"
                continue
            }
            bytes += entry.size
            switch try await blob(repository: repository, ref: ref, entry: entry) {
            case .success(.text(let text)): snapshot.files[entry.path] = text
            case .success(.notText): snapshot.refused[entry.path] = "not UTF-8 text"
            case .failure(let reason): snapshot.refused[entry.path] = reason.text
            }
        }
        return snapshot
    }

    private enum ListAnswer {
        case entries([ContentEntry])
        case notAFolder(String)
        case notFound
    }

    /// One folder, conditional on the listing kept for it.
    private func list(repository: String, ref: String, path: String) async throws -> ListAnswer {
        let key = "\(repository.lowercased())\u{0}\(ref)\u{0}\(path)"
        let kept = listings.value(for: key)
        let answer = try await contents(repository: repository, path: path, ref: ref, ifNoneMatch: kept?.etag)
        switch answer {
        case .notModified:
            guard let kept else {
                throw GitHubError(status: 304, message: "GET contents of \(GitHubClient.printable(path)): 304 Not Modified to a request that named no ETag")
            }
            return .entries(kept.entries)
        case .directory(let entries, let etag):
            if let etag, !etag.isEmpty { listings.store(Listing(etag: etag, entries: entries), for: key) }
            return .entries(entries)
        case .notFound: return .notFound
        case .file(let file, _): return .notAFolder(file.path == path ? "a file" : "a symlink")
        case .symlink: return .notAFolder("a symlink")
        case .submodule: return .notAFolder("a submodule")
        }
    }

    private struct Refusal: Error {
        var text: String
    }

    /// A file's text from the blob cache, or fetched (then kept under the sha of the bytes received).
    private func blob(repository: String, ref: String, entry: ContentEntry) async throws -> Result<Blob, Refusal> {
        if let known = blobs.value(for: entry.sha) { return .success(known) }
        counters.fileFetches += 1
        switch try await contents(repository: repository, path: entry.path, ref: ref, ifNoneMatch: nil) {
        case .file(let file, _):
            // GitHub answers a symlink to a regular file with that file: the path tells.
            guard file.path == entry.path else { return .failure(Refusal(text: "a symlink: not followed")) }
            guard let data = file.data, data.count <= limits.maxFileBytes else {
                return .failure(Refusal(text: "\(Self.megabytes(file.size)): larger than the \(Self.megabytes(limits.maxFileBytes)) limit"))
            }
            // A branch that moved between the listing and this fetch: the files would mix two
            // commits, a set no commit ever had. Thrown, so the whole read is retried.
            guard Self.blobSHA(data) == entry.sha.lowercased() else {
                throw GitHubError(status: 0, message: "\(GitHubClient.printable(entry.path)) at \(GitHubClient.printable(ref)) changed while .prenv/ was read; read again later")
            }
            let read: Blob = String(data: data, encoding: .utf8).map { .text($0) } ?? .notText
            let cost: Int
            switch read {
            case .text(let text): cost = text.utf8.count
            case .notText: cost = 64
            }
            // Keyed by the bytes' own id, not the listing's: a branch that moved in between cannot
            // leave the wrong text under a sha.
            blobs.store(read, for: Self.blobSHA(data), cost: cost)
            return .success(read)
        case .symlink: return .failure(Refusal(text: "a symlink: not followed"))
        case .submodule: return .failure(Refusal(text: "a submodule"))
        case .directory: return .failure(Refusal(text: "a folder while being read as a file (the branch moved?)"))
        case .notFound: return .failure(Refusal(text: "gone while being read (the branch moved?)"))
        case .notModified:
            throw GitHubError(status: 304, message: "GET contents of \(GitHubClient.printable(entry.path)): 304 Not Modified to a request that named no ETag")
        }
    }

    private func contents(repository: String, path: String, ref: String, ifNoneMatch: String?) async throws -> ContentsAnswer {
        counters.requests += 1
        let answer = try await client.contents(repository: repository, path: path, ref: ref, ifNoneMatch: ifNoneMatch)
        if answer == .notModified { counters.notModified += 1 }
        return answer
    }

    /// Git's blob id: SHA-1 of `blob <length>\0` and the bytes.
    static func blobSHA(_ data: Data) -> String {
        var hasher = Insecure.SHA1()
        hasher.update(data: Data("blob \(data.count)\0".utf8))
        hasher.update(data: data)
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    private static func megabytes(_ bytes: Int) -> String {
        let value = Double(bytes) / 1_048_576
        return value == value.rounded() ? "\(Int(value)) MB" : String(format: "%.1f MB", value)
    }
}
