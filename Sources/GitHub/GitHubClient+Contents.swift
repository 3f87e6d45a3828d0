import Foundation
import HTTPTransport

/// One entry of a directory listing, cut to what prenv reads.
public struct ContentEntry: Sendable, Equatable {
    public enum EntryType: Sendable, Equatable {
        case file, dir, symlink, submodule
        /// A name git allows but prenv does not request (control characters): refused on its own.
        case unreadableName
        /// A type GitHub may add later: never read, reported by name.
        case other(String)
    }

    public var type: EntryType
    public var name: String
    /// Repository-relative: `.prenv/stacks/site.yaml`.
    public var path: String
    /// The git blob (or tree) id: the same bytes have the same `sha` at every ref.
    public var sha: String
    public var size: Int

    public init(type: EntryType, name: String, path: String, sha: String, size: Int) {
        self.type = type
        self.name = name
        self.path = path
        self.sha = sha
        self.size = size
    }
}

/// A file as `GET …/contents/{path}` returned it.
public struct ContentFile: Sendable, Equatable {
    /// The path GitHub answered for: another path than the one asked for when GitHub followed a symlink.
    public var path: String
    public var sha: String
    public var size: Int
    /// The bytes; nil when GitHub sent none (`"encoding": "none"`: a file over 1 MB).
    public var data: Data?

    public init(path: String, sha: String, size: Int, data: Data?) {
        self.path = path
        self.sha = sha
        self.size = size
        self.data = data
    }
}

/// What `GET /repos/{o}/{r}/contents/{path}?ref=R` answered.
public enum ContentsAnswer: Sendable, Equatable {
    case directory([ContentEntry], etag: String?)
    case file(ContentFile, etag: String?)
    /// A symlink GitHub did not follow (its target is not a regular file of the repository).
    case symlink(target: String)
    /// A submodule asked for directly (in a listing GitHub calls it a `file`; see `ContentEntry.EntryType`).
    case submodule
    /// `304`: the ETag sent as `If-None-Match` still names the answer.
    case notModified
    /// `404`: no such path at that ref (or no such ref).
    case notFound
}

extension GitHubClient {
    /// The largest contents answer prenv reads. A file's answer is at most 1 MB of bytes as base64
    /// (about 1.4 MB with GitHub's line breaks); a listing of GitHub's maximum of 1,000 entries, each
    /// repeating a long name in six URLs, stays under 4 MB. The transport buffers whole bodies, so this
    /// bounds what is parsed, not what is received.
    public static let maxContentsBodyBytes = 4 * 1024 * 1024

    /// `GET /repos/{owner}/{name}/contents/{path}?ref={ref}`, conditional when `ifNoneMatch` is set.
    /// `repository`, `path` and `ref` come from a pull request's author, so they are checked before any
    /// URL is built: `repository` must be `owner/name` as GitHub spells them; `path` is split on `/`
    /// and each segment percent-encoded (no empty, `.` or `..` segment, no control character); `ref` is
    /// sent as one percent-encoded query value, so `main?ref=x&y` reaches GitHub as exactly that ref.
    /// A listing's entries must sit right inside `path`, a file's base64 must decode to `size` bytes:
    /// anything else is a `GitHubError` naming the route. Retries, rate-limit waits and the App's
    /// installation tokens are the client's. Throws `GitHubError` (a refusal other than 404, or an
    /// answer prenv cannot read), what the transport or credential threw, or `CancellationError`.
    public func contents(repository: String, path: String, ref: String, ifNoneMatch: String?) async throws -> ContentsAnswer {
        let (owner, name) = try Self.contentsRepository(repository)
        let segments = try Self.contentsPath(path)
        try Self.checkContentsRef(ref)
        let route = "GET /repos/\(owner)/\(name)/contents/\(Self.printable(path))?ref=\(Self.printable(ref))"
        let base = try url(for: ["repos", owner, name, "contents"] + segments)
        guard let url = URL(string: base.absoluteString + "?ref=" + PercentEncoding.encode(ref)) else {
            throw GitHubError(status: 0, message: "\(route): cannot build the URL")
        }
        var request = request(method: "GET", url: url, body: Data())
        if let ifNoneMatch { request.headers["If-None-Match"] = ifNoneMatch }
        let response: HTTPResponse
        do {
            // A 404 goes through `send`'s refusal path: a stale App installation is looked up again first.
            response = try await send(request, accepting: [304])
        } catch let error as GitHubError where error.status == 404 {
            return .notFound
        } catch var error as GitHubError {
            error.message = "\(route): \(error.message)"
            throw error
        }
        if response.status == 304 { return .notModified }
        guard response.body.count <= Self.maxContentsBodyBytes else {
            throw GitHubError(status: response.status,
                              message: "\(route): answer of \(response.body.count) bytes is over the \(Self.maxContentsBodyBytes)-byte limit")
        }
        return try Self.contentsAnswer(response.body, etag: response.headers["ETag"], path: path, route: route)
    }

    /// The raw JSON of an entry or a file; every field prenv reads is typed, so a wrong type fails decoding.
    private struct RawContent: Decodable {
        var type: String
        var name: String
        var path: String
        var sha: String
        var size: Int
        var downloadURL: String?
        var encoding: String?
        var content: String?
        var target: String?

        enum CodingKeys: String, CodingKey {
            case type, name, path, sha, size, encoding, content, target
            case downloadURL = "download_url"
        }
    }

    /// Decodes an answer strictly: a JSON array is a listing, an object a file, symlink or submodule.
    static func contentsAnswer(_ body: Data, etag: String?, path: String, route: String) throws -> ContentsAnswer {
        let first = body.first { ![UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t")].contains($0) }
        func failure(_ detail: String) -> GitHubError { GitHubError(status: 200, message: "\(route): \(detail)") }
        let decoder = JSONDecoder()
        if first == UInt8(ascii: "[") {
            let raw: [RawContent]
            do { raw = try decoder.decode([RawContent].self, from: body) } catch {
                throw failure("a listing entry is not a content entry: \(printable(String(describing: error)))")
            }
            return .directory(try raw.map { item in
                guard !item.name.isEmpty, item.name != ".", item.name != "..", !item.name.contains("/"), item.path == "\(path)/\(item.name)" else {
                    throw failure("listing entry \(printable(item.path)) is not right inside \(printable(path))")
                }
                guard item.size >= 0 else { throw failure("listing entry \(printable(item.path)) has a negative size") }
                // Git allows control characters in a name; such an entry is refused on its own (the
                // reader never requests it), not the whole listing: one odd file must not stall a PR.
                let type = isPathSegment(item.name) ? entryType(of: item) : .unreadableName
                return ContentEntry(type: type, name: item.name, path: item.path, sha: item.sha, size: item.size)
            }, etag: etag)
        }
        guard first == UInt8(ascii: "{") else { throw failure("expected a JSON array or object") }
        let item: RawContent
        do { item = try decoder.decode(RawContent.self, from: body) } catch {
            throw failure("not a content object: \(printable(String(describing: error)))")
        }
        switch item.type {
        case "symlink":
            guard let target = item.target else { throw failure("a symlink without a target") }
            return .symlink(target: target)
        case "submodule":
            return .submodule
        case "file":
            return .file(try file(item, failure: failure), etag: etag)
        default:
            throw failure("an object of type \(printable(item.type)), expected file, symlink or submodule")
        }
    }

    private static func file(_ item: RawContent, failure: (String) -> GitHubError) throws -> ContentFile {
        switch item.encoding {
        case "none":
            return ContentFile(path: item.path, sha: item.sha, size: item.size, data: nil)
        case "base64":
            // GitHub wraps base64 every 60 characters.
            let compact = (item.content ?? "").filter { $0 != "\n" && $0 != "\r" }
            guard let data = Data(base64Encoded: compact) else { throw failure("\(printable(item.path)): content is not base64") }
            guard data.count == item.size else {
                throw failure("\(printable(item.path)): content is \(data.count) bytes, size says \(item.size)")
            }
            return ContentFile(path: item.path, sha: item.sha, size: item.size, data: data)
        default:
            throw failure("\(printable(item.path)): unknown encoding \(printable(item.encoding ?? "(none)"))")
        }
    }

    /// GitHub lists a submodule as `"type": "file"` (kept for backwards compatibility) with no
    /// `download_url`; a real file always has one.
    private static func entryType(of item: RawContent) -> ContentEntry.EntryType {
        switch item.type {
        case "file": item.downloadURL == nil ? .submodule : .file
        case "dir": .dir
        case "symlink": .symlink
        case "submodule": .submodule
        default: .other(item.type)
        }
    }

    /// `owner/name`: a GitHub login (letters, digits, single hyphens, at most 39, not starting with a
    /// hyphen) and a repository name (letters, digits, `.`, `-`, `_`, at most 100, not `.` or `..`).
    static func contentsRepository(_ repository: String) throws(GitHubError) -> (String, String) {
        let parts = repository.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        func ascii(_ scalar: Unicode.Scalar, also extra: String) -> Bool {
            scalar.isASCII && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || extra.unicodeScalars.contains(scalar))
        }
        guard parts.count == 2,
              !parts[0].isEmpty, parts[0].count <= 39, !parts[0].hasPrefix("-"), parts[0].unicodeScalars.allSatisfy({ ascii($0, also: "-") }),
              !parts[1].isEmpty, parts[1].count <= 100, parts[1] != ".", parts[1] != "..",
              parts[1].unicodeScalars.allSatisfy({ ascii($0, also: ".-_") })
        else { throw GitHubError(status: 0, message: "repository \(printable(repository)) is not OWNER/NAME as GitHub spells them") }
        return (parts[0], parts[1])
    }

    /// The segments of a repository path, each a name git could hold.
    static func contentsPath(_ path: String) throws(GitHubError) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard path.utf8.count <= 4096, segments.allSatisfy(isPathSegment) else {
            throw GitHubError(status: 0, message: "path \(printable(path)) is not a repository path (empty, `.` or `..` segments, or control characters)")
        }
        return segments
    }

    static func isPathSegment(_ segment: String) -> Bool {
        !segment.isEmpty && segment != "." && segment != ".." && !segment.contains("/") && !hasControl(segment)
    }

    /// A branch, tag or sha: any text git allows in a ref name may come from a PR's branch, so only
    /// what git itself refuses (control characters, NUL) and absurd lengths are refused here.
    static func checkContentsRef(_ ref: String) throws(GitHubError) {
        guard !ref.isEmpty, ref.utf8.count <= 1024, !hasControl(ref) else {
            throw GitHubError(status: 0, message: "ref \(printable(ref)) is empty, too long or holds control characters")
        }
    }

    private static func hasControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }
}
