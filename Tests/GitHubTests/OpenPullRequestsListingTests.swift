import HTTPTransport
import Foundation
import GitHub
import TestServices
import Testing

/// `GET /repos/{o}/{r}/pulls?state=open` against the stand-in: every page followed through `Link`,
/// each a conditional request, so a second listing of unchanged pages is all `304`s (free against
/// GitHub's rate limit), and a hostile answer (a `Link` elsewhere, a body that is not an array) is
/// refused with an error naming the page.
@Suite struct OpenPullRequestsListingTests {
    static let sha = String(repeating: "a", count: 40)

    func client(_ standin: StandinProcess, token: String? = nil) -> GitHubClient {
        GitHubClient(baseURL: standin.url, token: token ?? standin.token, transport: CurlTransport())
    }

    /// PRs 1…`count` of acme/webapp, open, plus a closed #99 and an open PR of another repository.
    func seed(_ standin: StandinProcess, count: Int) async throws {
        for number in 1 ... count {
            _ = try await standin.admin("pulls", ["repository": "acme/webapp", "number": number, "head_sha": Self.sha,
                                                  "updated_at": "2026-11-27T10:00:00Z"])
        }
        _ = try await standin.admin("pulls", ["repository": "acme/webapp", "number": 99, "state": "closed", "head_sha": Self.sha])
        _ = try await standin.admin("pulls", ["repository": "acme/other", "number": 1, "head_sha": Self.sha])
    }

    @Test func followsEveryPageThenReusesUnchangedPagesAndRefetchesOnlyAChangedOne() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        try await seed(standin, count: 5)
        let github = client(standin)
        let cache = ConditionalPageCache()

        let first = try await github.openPullRequests(owner: "acme", repo: "webapp", cache: cache, perPage: 2)
        #expect(first.pullRequests.map(\.pullRequest.number) == [5, 4, 3, 2, 1], "newest first, closed #99 and acme/other left out")
        #expect(first.fetchedPages == 3 && first.notModifiedPages == 0)
        var counters = try await standin.listings()
        #expect(counters.ok == 3 && counters.notModified == 0)
        #expect(counters.requests.map(\.path) == [
            "/repos/acme/webapp/pulls?state=open&per_page=2",
            "/repos/acme/webapp/pulls?state=open&per_page=2&page=2",
            "/repos/acme/webapp/pulls?state=open&per_page=2&page=3",
        ])
        #expect(await cache.count == 3)

        let second = try await github.openPullRequests(owner: "acme", repo: "webapp", cache: cache, perPage: 2)
        #expect(second == PullRequestListing(pullRequests: first.pullRequests, fetchedPages: 0, notModifiedPages: 3))
        counters = try await standin.listings()
        #expect(counters.ok == 3, "no page was sent again")
        #expect(counters.notModified == 3)

        // PR 3 gets a new head: its page (2 of 3) changes, the others do not.
        let newHead = String(repeating: "b", count: 40)
        _ = try await standin.admin("pulls", ["repository": "acme/webapp", "number": 3, "head_sha": newHead,
                                              "updated_at": "2026-11-27T11:00:00Z"])
        let third = try await github.openPullRequests(owner: "acme", repo: "webapp", cache: cache, perPage: 2)
        #expect(third.fetchedPages == 1 && third.notModifiedPages == 2)
        #expect(third.pullRequests.first { $0.pullRequest.number == 3 }?.pullRequest.head.sha == newHead)
        counters = try await standin.listings()
        #expect(counters.ok == 4 && counters.notModified == 5)
        #expect(counters.requests.last { $0.status == 200 }?.path == "/repos/acme/webapp/pulls?state=open&per_page=2&page=2")
    }

    @Test func perPageIsCappedAtGitHubsHundredAndOnePageNeedsNoLink() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        try await seed(standin, count: 3)
        let listing = try await client(standin).openPullRequests(owner: "acme", repo: "webapp", cache: ConditionalPageCache(), perPage: 500)
        #expect(listing.pullRequests.count == 3 && listing.fetchedPages == 1)
        #expect(try await standin.listings().requests.map(\.path) == ["/repos/acme/webapp/pulls?state=open&per_page=100"])
    }

    @Test func aNextLinkToAnotherHostOrPortIsNotFollowed() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        try await seed(standin, count: 1)
        let port = standin.url.port ?? 0
        for link in ["<https://evil.example/repos/acme/webapp/pulls?page=2>; rel=\"next\"",
                     "<http://127.0.0.1:\(port == 1 ? 2 : 1)/repos/acme/webapp/pulls?page=2>; rel=\"next\"",
                     "<//evil.example/x>; rel=\"next\""] {
            _ = try await standin.admin("listing", ["link": link])
            let error = await #expect(throws: PullRequestListingError.self) {
                try await client(standin).openPullRequests(owner: "acme", repo: "webapp", cache: ConditionalPageCache())
            }
            #expect(error?.kind == .foreignLink, "\(link)")
            #expect(error?.description.contains("refusing to follow Link rel=\"next\"") == true)
        }
        #expect(try await standin.listings().ok == 3, "one page per attempt, nothing followed")
    }

    @Test func aNextLinkUnderTheBaseIsFollowedButALoopIsCut() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        try await seed(standin, count: 1)
        // Every page names the first page as next: a loop a hostile or broken server could send.
        let selfLink = standin.url.absoluteString + "/repos/acme/webapp/pulls?state=open&per_page=100"
        _ = try await standin.admin("listing", ["link": "<\(selfLink)&page=2>; rel=\"next\""])
        let error = await #expect(throws: PullRequestListingError.self) {
            try await client(standin).openPullRequests(owner: "acme", repo: "webapp", cache: ConditionalPageCache())
        }
        #expect(error?.kind == .endlessPagination)
        #expect(try await standin.listings().ok == 2, "page 1, then page 2 once; its next (itself) is not read again")
    }

    @Test func aPageThatIsNotAnArrayIsAClearError() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        _ = try await standin.admin("listing", ["body": ["message": "surprise"]])
        let error = await #expect(throws: PullRequestListingError.self) {
            try await client(standin).openPullRequests(owner: "acme", repo: "webapp", cache: ConditionalPageCache())
        }
        #expect(error?.kind == .notAnArray)
        #expect(error?.description == "listing open pull requests, \(standin.url.absoluteString)/repos/acme/webapp/pulls?state=open&per_page=100: "
            + "expected a JSON array of pull requests, got an object")

        _ = try await standin.admin("listing", ["body": [["number": 1, "state": "open\u{1b}[31m"]]])
        let malformed = await #expect(throws: PullRequestListingError.self) {
            try await client(standin).openPullRequests(owner: "acme", repo: "webapp", cache: ConditionalPageCache())
        }
        #expect(malformed?.kind == .malformedPullRequest)
        #expect(malformed?.description.contains("element [0]") == true)
        #expect(malformed.map { !$0.description.unicodeScalars.contains { $0.value < 0x20 } } == true, "no control character reaches the error")
    }

    @Test func aFailedPageIsRetriedWithTheClientsBackoff() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        try await seed(standin, count: 3)
        _ = try await standin.admin("faults", ["route": "pulls", "status": 502, "count": 1])
        let sleeper = SleepRecorder()
        let github = GitHubClient(baseURL: standin.url, token: standin.token, transport: CurlTransport(), sleep: sleeper.sleep)
        let listing = try await github.openPullRequests(owner: "acme", repo: "webapp", cache: ConditionalPageCache(), perPage: 2)
        #expect(listing.pullRequests.map(\.pullRequest.number) == [3, 2, 1])
        #expect(try await standin.listings().requests.map(\.status) == [502, 200, 200], "the fault fired, then both pages")
        #expect(sleeper.recorded == [.seconds(1)])
    }

    @Test func aWrongTokenIsRefusedNotAnEmptyListing() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        try await seed(standin, count: 1)
        let error = await #expect(throws: GitHubError.self) {
            try await client(standin, token: "ghp_wrong").openPullRequests(owner: "acme", repo: "webapp", cache: ConditionalPageCache())
        }
        #expect(error?.status == 401)
    }

    /// PR #7 as GitHub lists it: besides what prenv reads, a description (`body`), a title, links, a
    /// milestone and full repository and user objects, none of which prenv reads.
    static func fullPullRequest(body: String) -> [String: Any] {
        let repository: [String: Any] = ["full_name": "acme/webapp", "fork": false, "id": 1, "description": "The web app",
                                         "html_url": "https://github.com/acme/webapp", "topics": ["web"]]
        return [
            "number": 7, "state": "open", "title": "Add login", "body": body, "draft": false,
            "html_url": "https://github.com/acme/webapp/pull/7", "_links": ["self": ["href": "https://api.github.com/repos/acme/webapp/pulls/7"]],
            "head": ["sha": sha, "ref": "feature/login", "label": "acme:feature/login", "repo": repository],
            "base": ["ref": "main", "label": "acme:main", "repo": repository],
            "user": ["login": "octocat", "id": 583231, "avatar_url": "https://avatars.githubusercontent.com/u/583231"],
            "labels": [["name": "preview", "color": "ededed", "description": "Deploys a preview environment"]],
            "milestone": ["title": "v2", "description": "Everything for the second release"],
            "updated_at": "2026-11-27T10:00:00Z",
        ]
    }

    /// A 60 KB description is read once and not kept: the cache holds the PR cut to the fields prenv
    /// reads, the `304` of the next listing reuses it, and it decodes as the full PR does.
    @Test func aLongDescriptionIsNotKeptYetTheUnchangedPageIsReused() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        let marker = "DESCRIPTION-MARKER-"
        let description = marker + String(repeating: "x", count: 60 * 1024)
        let full = Self.fullPullRequest(body: description)
        _ = try await standin.admin("listing", ["body": [full]])
        let github = client(standin)
        let cache = ConditionalPageCache()

        let first = try await github.openPullRequests(owner: "acme", repo: "webapp", cache: cache)
        #expect(first.fetchedPages == 1)
        let listed = try #require(first.pullRequests.first)
        let expected = try JSONDecoder().decode(PullRequestEvent.PullRequest.self,
                                                from: JSONSerialization.data(withJSONObject: full))
        #expect(listed.pullRequest == expected, "the cut PR decodes as the full one")
        #expect(try JSONDecoder().decode(PullRequestEvent.PullRequest.self, from: listed.json) == expected)

        let pageURL = try #require(URL(string: standin.url.absoluteString + "/repos/acme/webapp/pulls?state=open&per_page=100"))
        let cached = try #require(await cache.page(for: pageURL))
        #expect(cached.pullRequests == first.pullRequests)
        let kept = String(decoding: listed.json, as: UTF8.self)
        for dropped in [marker, "Add login", "_links", "milestone", "avatar_url", "description", "topics"] {
            #expect(!kept.contains(dropped), "\(dropped) is not kept: \(kept)")
        }
        #expect(listed.json.count < 1024, "\(listed.json.count) bytes kept of a \(description.utf8.count)-byte description")
        let keptObject = try #require(try JSONSerialization.jsonObject(with: listed.json) as? [String: Any])
        #expect(Set(keptObject.keys) == ["number", "state", "head", "base", "user", "labels", "updated_at"])

        let second = try await github.openPullRequests(owner: "acme", repo: "webapp", cache: cache)
        #expect(second == PullRequestListing(pullRequests: first.pullRequests, fetchedPages: 0, notModifiedPages: 1))
        let counters = try await standin.listings()
        #expect(counters.ok == 1 && counters.notModified == 1, "the second listing was a 304")
    }

    /// A field of the wrong type is kept as it came, so the error names it as for the full PR.
    @Test func aMalformedFieldIsReportedAfterTheCut() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        var full = Self.fullPullRequest(body: "short")
        full["head"] = "not an object"
        _ = try await standin.admin("listing", ["body": [full]])
        let error = await #expect(throws: PullRequestListingError.self) {
            try await client(standin).openPullRequests(owner: "acme", repo: "webapp", cache: ConditionalPageCache())
        }
        #expect(error?.kind == .malformedPullRequest)
        #expect(error?.description.contains("element [0]: invalid webhook payload at head: expected") == true, "\(String(describing: error))")
    }

    @Test func aPageOverTheSizeLimitIsRefusedNamingItsSize() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        _ = try await standin.admin("listing", ["body": [Self.fullPullRequest(body: String(repeating: "x", count: 60 * 1024))]])
        let cache = ConditionalPageCache()
        let error = await #expect(throws: PullRequestListingError.self) {
            try await client(standin).openPullRequests(owner: "acme", repo: "webapp", cache: cache, maxPageBytes: 32 * 1024)
        }
        #expect(error?.kind == .pageTooLarge)
        #expect(error?.description.hasPrefix("listing open pull requests, \(standin.url.absoluteString)/repos/acme/webapp/pulls?state=open&per_page=100: page of ") == true,
                "\(String(describing: error))")
        #expect(error?.description.hasSuffix("bytes is over the 32768-byte limit") == true, "\(String(describing: error))")
        #expect(await cache.count == 0, "nothing of the refused page is kept")
        #expect(GitHubClient.maxListingPageBytes == 16 * 1024 * 1024)
    }
}
