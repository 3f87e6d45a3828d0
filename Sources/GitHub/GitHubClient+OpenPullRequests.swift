import Foundation
import HTTPTransport
import UntrustedText

/// One page as GitHub last answered it with a `200`: the `ETag` to send back as `If-None-Match`,
/// the pull requests it held (each cut to what prenv reads, `ListedPullRequest`), and the `Link`
/// header that came with it. Not the body: a page can carry 100 PR descriptions of up to 64 KB each.
public struct CachedPage: Sendable, Equatable {
    public var etag: String
    public var pullRequests: [ListedPullRequest]
    public var link: String?

    public init(etag: String, pullRequests: [ListedPullRequest], link: String?) {
        self.etag = etag
        self.pullRequests = pullRequests
        self.link = link
    }
}

/// The pages of listings prenv has read, by URL, so the next listing sends `If-None-Match` and an
/// unchanged page comes back as a `304` with no body: GitHub does not count those against the rate
/// limit, so a periodic listing of a quiet repository costs nothing. An actor because the periodic
/// pass and any other caller may list at once. It holds one entry per page ever read (a few per
/// repository a blueprint names), each a few hundred bytes per pull request.
public actor ConditionalPageCache {
    private var pages: [URL: CachedPage] = [:]

    public init() {}

    public func page(for url: URL) -> CachedPage? { pages[url] }

    public func store(_ page: CachedPage, for url: URL) { pages[url] = page }

    /// How many pages are remembered.
    public var count: Int { pages.count }
}

/// What one listing read: the pull requests, and how many pages were re-sent (`200`) or reused (`304`).
public struct PullRequestListing: Sendable, Equatable {
    public var pullRequests: [ListedPullRequest]
    /// Pages answered `200` (counted against the rate limit).
    public var fetchedPages: Int
    /// Pages answered `304` and read from the cache (free).
    public var notModifiedPages: Int

    public init(pullRequests: [ListedPullRequest], fetchedPages: Int, notModifiedPages: Int) {
        self.pullRequests = pullRequests
        self.fetchedPages = fetchedPages
        self.notModifiedPages = notModifiedPages
    }
}

/// A listing GitHub answered in a way prenv does not follow or cannot read. Everything taken from
/// the answer (a URL, a type name) is made printable first: a response is not trusted text.
public struct PullRequestListingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// `Link: rel="next"` leaves the configured API base: following it would send the token elsewhere.
        case foreignLink
        /// The page is not a JSON array.
        case notAnArray
        /// An element of the page is not a pull request.
        case malformedPullRequest
        /// More pages than `maxPages`, or a `next` link back to a page already read.
        case endlessPagination
        /// A `304` for a page prenv has no copy of.
        case notModifiedWithoutCopy
        /// A page larger than `maxPageBytes`.
        case pageTooLarge
    }

    public var kind: Kind
    /// The page's URL (as prenv requested it).
    public var url: String
    public var detail: String

    public var description: String { "listing open pull requests, \(url): \(detail)" }
}

extension GitHubClient {
    /// GitHub's largest page.
    public static let maxPerPage = 100

    /// The largest listing page prenv reads: 16 MiB. A page of 100 PRs is about 2 MB of metadata plus
    /// their descriptions (at most 65,536 characters each, so 6.5 MB of ASCII, more when the
    /// characters take several bytes): twice what a page of long descriptions needs, and a bound on
    /// what one answer can make prenv parse. A refused page fails that repository's listing (logged);
    /// its PRs are then checked one by one.
    public static let maxListingPageBytes = 16 * 1024 * 1024

    /// `GET /repos/{owner}/{repo}/pulls?state=open&per_page=N`, following `Link: rel="next"` only
    /// within this client's `baseURL` (so the token never goes to another host), each page a
    /// conditional request against `cache`. Retries and rate-limit waits are the client's.
    /// - Parameters:
    ///   - maxPages: a bound on pages (100 × 100 PRs), so a looping `Link` cannot spin.
    ///   - maxPageBytes: a bound on one page's body (`pageTooLarge` beyond it).
    public func openPullRequests(
        owner: String, repo: String, cache: ConditionalPageCache, perPage: Int = GitHubClient.maxPerPage, maxPages: Int = 100,
        maxPageBytes: Int = GitHubClient.maxListingPageBytes
    ) async throws -> PullRequestListing {
        let first = try url(for: ["repos", owner, repo, "pulls"])
        let perPage = min(max(perPage, 1), Self.maxPerPage)
        guard var next = URL(string: first.absoluteString + "?state=open&per_page=\(perPage)") else {
            throw GitHubError(status: 0, message: "cannot build the listing URL from \(first.absoluteString)")
        }
        var listing = PullRequestListing(pullRequests: [], fetchedPages: 0, notModifiedPages: 0)
        var visited: Set<URL> = []
        while true {
            guard visited.insert(next).inserted, visited.count <= maxPages else {
                throw PullRequestListingError(kind: .endlessPagination, url: Self.printable(next.absoluteString),
                                              detail: "more than \(maxPages) pages, or a next link to a page already read")
            }
            // GitHub's next links are `/repositories/{id}/pulls?page=N`: the repository is named, not read from them.
            let page = try await conditionalPage(next, repository: "\(owner)/\(repo)", cache: cache, maxBytes: maxPageBytes)
            if page.fresh { listing.fetchedPages += 1 } else { listing.notModifiedPages += 1 }
            listing.pullRequests += page.cached.pullRequests
            guard let link = page.cached.link, let target = Self.nextLink(in: link) else { return listing }
            next = try followable(target, from: next)
        }
    }

    /// One page: sent with `If-None-Match` when `cache` has it; a `304` reuses the copy, a `200` is
    /// read (at most `maxBytes`) and kept as its pull requests.
    private func conditionalPage(_ url: URL, repository: String, cache: ConditionalPageCache, maxBytes: Int) async throws -> (cached: CachedPage, fresh: Bool) {
        var request = request(method: "GET", url: url, body: Data())
        let copy = await cache.page(for: url)
        if let copy { request.headers["If-None-Match"] = copy.etag }
        let response = try await send(request, accepting: [304], repository: repository)
        if response.status == 304 {
            guard var copy else {
                throw PullRequestListingError(kind: .notModifiedWithoutCopy, url: Self.printable(url.absoluteString),
                                              detail: "304 Not Modified to a request that named no ETag")
            }
            // The body is unchanged, but the pages after it may not be: the Link of this answer wins.
            if let link = response.headers["Link"] { copy.link = link }
            return (copy, false)
        }
        guard response.body.count <= maxBytes else {
            throw PullRequestListingError(kind: .pageTooLarge, url: Self.printable(url.absoluteString),
                                          detail: "page of \(response.body.count) bytes is over the \(maxBytes)-byte limit")
        }
        let page = CachedPage(etag: response.headers["ETag"] ?? "", pullRequests: try Self.pullRequests(in: response.body, url: url),
                              link: response.headers["Link"])
        if !page.etag.isEmpty { await cache.store(page, for: url) }
        return (page, true)
    }

    /// The elements of a page, each cut to what prenv reads and decoded (`ListedPullRequest`).
    static func pullRequests(in body: Data, url: URL) throws -> [ListedPullRequest] {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
        } catch {
            throw PullRequestListingError(kind: .notAnArray, url: printable(url.absoluteString),
                                          detail: "expected a JSON array of pull requests, got text that is not JSON")
        }
        guard let items = root as? [Any] else {
            throw PullRequestListingError(kind: .notAnArray, url: printable(url.absoluteString),
                                          detail: "expected a JSON array of pull requests, got \(jsonKind(root))")
        }
        return try items.enumerated().map { index, item in
            do {
                return try ListedPullRequest.keepingReadFields(of: item)
            } catch {
                throw PullRequestListingError(kind: .malformedPullRequest, url: printable(url.absoluteString),
                                              detail: "element [\(index)]: \(printable(String(describing: error)))")
            }
        }
    }

    /// The `rel="next"` target of a `Link` header (`<url>; rel="next", <url>; rel="last"`), or nil.
    static func nextLink(in header: String) -> String? {
        var rest = Substring(header)
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else { return nil }
            let target = rest[rest.index(after: open)..<close]
            let parametersEnd = rest[close...].firstIndex(of: "<") ?? rest.endIndex
            let parameters = rest[rest.index(after: close)..<parametersEnd]
            let relations = parameters.split(separator: ";").compactMap { parameter -> [Substring]? in
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2, pair[0].lowercased() == "rel" else { return nil }
                return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\", ")).split(separator: " ")
            }.joined()
            if relations.contains(where: { $0.lowercased() == "next" }) { return String(target) }
            rest = rest[parametersEnd...]
        }
        return nil
    }

    /// The next page's URL when it lies under `baseURL` (same scheme, host and port, path below the
    /// base's: `/api/v3` on GitHub Enterprise Server); anything else is refused, since the request
    /// would carry the token.
    func followable(_ target: String, from page: URL) throws -> URL {
        let refuse = { (why: String) in
            PullRequestListingError(kind: .foreignLink, url: Self.printable(page.absoluteString),
                                    detail: "refusing to follow Link rel=\"next\" to \(Self.printable(target)): \(why)")
        }
        guard let url = URL(string: target), let host = url.host, let scheme = url.scheme else { throw refuse("not an absolute URL") }
        let basePath = baseURL.path.hasSuffix("/") ? String(baseURL.path.dropLast()) : baseURL.path
        guard scheme.lowercased() == baseURL.scheme?.lowercased(), host.lowercased() == baseURL.host?.lowercased(),
              (url.port ?? Self.defaultPort(scheme)) == (baseURL.port ?? Self.defaultPort(baseURL.scheme ?? "")),
              url.user == nil, url.password == nil,
              basePath.isEmpty || url.path == basePath || url.path.hasPrefix(basePath + "/")
        else { throw refuse("not under the configured GitHub API \(baseURL.absoluteString)") }
        return url
    }

    private static func defaultPort(_ scheme: String) -> Int? {
        switch scheme.lowercased() {
        case "https": 443
        case "http": 80
        default: nil
        }
    }

    private static func jsonKind(_ value: Any) -> String {
        switch value {
        case is [String: Any]: "an object"
        case is String: "a string"
        case is NSNull: "null"
        case is NSNumber: "a number or boolean"
        default: "\(type(of: value))"
        }
    }

    /// Text from a response made safe for a log line or an error (`UntrustedText`'s rule), at most
    /// 200 characters.
    public static func printable(_ text: String) -> String { UntrustedText.printable(text, limit: 200) }
}
