import Blueprint
import Foundation
import GitHub
import HTTPTransport
import Testing
import TestServices

/// `RepositoryFolderReader` against the real stand-in: bounds a PR's author cannot push past, what
/// it refuses and why, and what each snapshot costs in requests.
@Suite struct RepositoryFolderReaderTests {
    static let repository = "acme/webapp"
    static let sha = "0123456789abcdef0123456789abcdef01234567"

    private func reader(_ standin: StandinProcess, token: String? = nil, limits: RepositoryFolderReader.Limits = .init()) -> RepositoryFolderReader {
        let client = GitHubClient(baseURL: standin.url, token: token ?? standin.token, transport: CurlTransport(), sleep: { _ in })
        return RepositoryFolderReader(client: client, limits: limits)
    }

    @Test func missingFolderIsNoBlueprintsNotAnError() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        try await standin.setContents(repository: Self.repository, ref: "main", files: ["README.md": "hi"])
        let snapshot = try await reader(standin).snapshot(repository: Self.repository, ref: "main")
        #expect(snapshot == RepositorySnapshot(repository: Self.repository, ref: "main", exists: false))
        #expect(try await standin.contentsRequests().count == 1)
    }

    /// Git allows control characters in a name; such a file is refused on its own (never requested),
    /// and the rest of the folder is read: one odd name must not stall the PR's events.
    @Test func aNameWithControlCharactersIsRefusedAloneAndNeverRequested() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        let odd = ".prenv/evil\u{1B}[2J.yaml"
        try await standin.setContents(repository: Self.repository, ref: "main", files: [odd: "name: evil\n", ".prenv/preview.yaml": "name: preview\n"])
        let snapshot = try await reader(standin).snapshot(repository: Self.repository, ref: "main")
        #expect(snapshot.problem == nil && snapshot.files == [".prenv/preview.yaml": "name: preview\n"], "\(snapshot)")
        #expect(snapshot.refused == [odd: "a name with control characters: not read"], "\(snapshot.refused)")
        #expect(try await standin.contentsRequests().map(\.path).sorted() == [".prenv", ".prenv/preview.yaml"])
    }

    @Test func emptyFolderAndFolderThatIsAFile() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        // git keeps no empty folder: an "empty" `.prenv/` holds a placeholder.
        try await standin.setContents(repository: Self.repository, ref: "empty", files: [".prenv/.gitkeep": ""])
        try await standin.setContents(repository: Self.repository, ref: "file", files: [".prenv": "not a folder"])
        let reader = reader(standin)
        let empty = try await reader.snapshot(repository: Self.repository, ref: "empty")
        #expect(empty.exists && empty.problem == nil && empty.files == [".prenv/.gitkeep": ""] && empty.refused.isEmpty)
        let file = try await reader.snapshot(repository: Self.repository, ref: "file")
        #expect(file.exists && file.problem == "`.prenv` is a file, not a folder" && file.files.isEmpty)
    }

    @Test func thousandEntriesAreAProblemAndNothingIsFetched() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        let files = Dictionary(uniqueKeysWithValues: (0..<1000).map { (".prenv/f\($0).yaml", "name: f\($0)\n" as Any) })
        try await standin.setContents(repository: Self.repository, ref: "main", files: files)
        let reader = reader(standin)
        let snapshot = try await reader.snapshot(repository: Self.repository, ref: "main")
        #expect(snapshot.problem == "`.prenv/` holds 1000 entries; at most 100 are read")
        #expect(snapshot.files.isEmpty && snapshot.refused.isEmpty)
        #expect(try await standin.contentsRequests().map(\.path) == [".prenv"], "exactly one request: the listing")
        #expect(await reader.counters.requests == 1)
    }

    @Test func entriesInNestedFoldersCountTowardTheBound() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        var files: [String: Any] = [:]
        for index in 0..<60 { files[".prenv/a/f\(index).yaml"] = "x" }
        for index in 0..<60 { files[".prenv/b/f\(index).yaml"] = "x" }
        try await standin.setContents(repository: Self.repository, ref: "main", files: files)
        let snapshot = try await reader(standin).snapshot(repository: Self.repository, ref: "main")
        #expect(snapshot.problem?.contains("at most 100 are read") == true && snapshot.files.isEmpty)
        #expect(try await standin.contentsRequests().allSatisfy { [".prenv", ".prenv/a", ".prenv/b"].contains($0.path) }, "no file fetched")
    }

    @Test func fileOverOneMegabyteIsRefusedWithoutFetchingIt() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        try await standin.setContents(repository: Self.repository, ref: "main",
                                      files: [".prenv/huge.yaml": ["size": 5 * 1024 * 1024], ".prenv/preview.yaml": "name: preview\n"])
        let snapshot = try await reader(standin).snapshot(repository: Self.repository, ref: "main")
        #expect(snapshot.refused == [".prenv/huge.yaml": "5 MB: larger than the 1 MB limit"])
        #expect(snapshot.files == [".prenv/preview.yaml": "name: preview\n"])
        #expect(try await standin.contentsRequests().map(\.path) == [".prenv", ".prenv/preview.yaml"])
    }

    @Test func filesPastTheTotalAreRefused() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        try await standin.setContents(repository: Self.repository, ref: "main",
                                      files: [".prenv/a.yaml": String(repeating: "a", count: 600), ".prenv/b.yaml": String(repeating: "b", count: 600)])
        var limits = RepositoryFolderReader.Limits()
        limits.maxTotalBytes = 1000
        let snapshot = try await reader(standin, limits: limits).snapshot(repository: Self.repository, ref: "main")
        #expect(snapshot.files.keys.sorted() == [".prenv/a.yaml"])
        #expect(snapshot.refused[".prenv/b.yaml"]?.contains("in all") == true)
        #expect(!(try await standin.contentsRequests().map(\.path)).contains(".prenv/b.yaml"))
    }

    @Test func symlinksSubmodulesAndBinaryFilesAreRefused() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        try await standin.setContents(repository: Self.repository, ref: "main", files: [
            ".prenv/x.yaml": ["symlink": "../../etc/passwd"],
            ".prenv/alias.yaml": ["symlink": "preview.yaml"],
            ".prenv/vendored": ["submodule": true],
            ".prenv/latin1.yaml": ["base64": Data([0x6E, 0x61, 0x6D, 0x65, 0x3A, 0x20, 0xE9, 0xFF]).base64EncodedString()],
            ".prenv/preview.yaml": "name: preview\n",
        ])
        let snapshot = try await reader(standin).snapshot(repository: Self.repository, ref: "main")
        #expect(snapshot.files == [".prenv/preview.yaml": "name: preview\n"])
        #expect(snapshot.refused == [
            ".prenv/x.yaml": "a symlink: not followed", ".prenv/alias.yaml": "a symlink: not followed",
            ".prenv/vendored": "a submodule", ".prenv/latin1.yaml": "not UTF-8 text",
        ])
        let paths = try await standin.contentsRequests().map(\.path)
        #expect(!paths.contains(".prenv/x.yaml") && !paths.contains(".prenv/alias.yaml") && !paths.contains(".prenv/vendored"),
                "never followed, never fetched: \(paths)")
    }

    @Test func nestedFoldersAreReadToThreeLevels() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        try await standin.setContents(repository: Self.repository, ref: "main", files: [
            ".prenv/preview.yaml": "name: preview\n",
            ".prenv/stacks/site.yaml": "name: site\n",
            ".prenv/a/b/c/deep.yaml": "name: deep\n",
            ".prenv/a/b/c/d/deeper.yaml": "name: deeper\n",
        ])
        let snapshot = try await reader(standin).snapshot(repository: Self.repository, ref: "main")
        #expect(snapshot.files == [".prenv/preview.yaml": "name: preview\n", ".prenv/stacks/site.yaml": "name: site\n",
                                   ".prenv/a/b/c/deep.yaml": "name: deep\n"])
        #expect(snapshot.refused.keys.sorted() == [".prenv/a/b/c/d"])
        #expect(!(try await standin.contentsRequests().map(\.path)).contains(".prenv/a/b/c/d"))
    }

    /// Branch names are the author's: each reaches GitHub as exactly that ref, one query value.
    @Test func hostileRefsReachGitHubExactly() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        let reader = reader(standin)
        for ref in ["main?ref=x&y", "../x", "feature/ünïcode-🚀", "a b+c%20d#frag", "refs/heads/x;rm -rf"] {
            try await standin.setContents(repository: Self.repository, ref: ref, files: [".prenv/preview.yaml": "ref: \(ref)\n"])
            let snapshot = try await reader.snapshot(repository: Self.repository, ref: ref)
            #expect(snapshot.files == [".prenv/preview.yaml": "ref: \(ref)\n"], "\(ref)")
            #expect(snapshot.ref == ref)
        }
        let refs = try await standin.contentsRequests().map(\.ref)
        #expect(refs == ["main?ref=x&y", "main?ref=x&y", "../x", "../x", "feature/ünïcode-🚀", "feature/ünïcode-🚀",
                         "a b+c%20d#frag", "a b+c%20d#frag", "refs/heads/x;rm -rf", "refs/heads/x;rm -rf"])
    }

    @Test func secondSnapshotOfAShaMakesNoRequest() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        try await standin.setContents(repository: Self.repository, ref: "main", commit: Self.sha,
                                      files: [".prenv/preview.yaml": "name: preview\n", ".prenv/stacks/site.yaml": "name: site\n"])
        let reader = reader(standin)
        let first = try await reader.snapshot(repository: Self.repository, ref: Self.sha)
        let made = try await standin.contentsRequests().count
        #expect(made == 4, "two listings, two files")
        let second = try await reader.snapshot(repository: Self.repository, ref: Self.sha)
        #expect(second == first && first.files.count == 2)
        #expect(try await standin.contentsRequests().count == made, "a sha never changes: no request")
        #expect(await reader.counters.snapshotHits == 1)
    }

    @Test func secondSnapshotOfABranchCostsOneNotModifiedPerFolder() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        try await standin.setContents(repository: Self.repository, ref: "main",
                                      files: [".prenv/preview.yaml": "name: preview\n", ".prenv/stacks/site.yaml": "name: site\n"])
        let reader = reader(standin)
        let first = try await reader.snapshot(repository: Self.repository, ref: "main")
        let before = try await standin.contentsRequests().count
        let second = try await reader.snapshot(repository: Self.repository, ref: "main")
        #expect(second == first)
        let after = Array(try await standin.contentsRequests().dropFirst(before))
        #expect(after.map(\.path).sorted() == [".prenv", ".prenv/stacks"])
        #expect(after.allSatisfy { $0.status == 304 && $0.ifNoneMatch != nil }, "\(after)")
        let counters = await reader.counters
        #expect(counters.notModified == 2 && counters.fileFetches == 2, "\(counters)")
    }

    @Test func aChangedFileIsFetchedAlone() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        var files: [String: Any] = [".prenv/preview.yaml": "name: preview\n", ".prenv/other.yaml": "name: other\n",
                                    ".prenv/stacks/site.yaml": "name: site\n"]
        try await standin.setContents(repository: Self.repository, ref: "main", files: files)
        let reader = reader(standin)
        _ = try await reader.snapshot(repository: Self.repository, ref: "main")
        let before = try await standin.contentsRequests().count
        files[".prenv/preview.yaml"] = "name: preview\nchanged: true\n"
        try await standin.setContents(repository: Self.repository, ref: "main", files: files)
        let snapshot = try await reader.snapshot(repository: Self.repository, ref: "main")
        #expect(snapshot.files[".prenv/preview.yaml"] == "name: preview\nchanged: true\n" && snapshot.files.count == 3)
        let after = Array(try await standin.contentsRequests().dropFirst(before))
        #expect(after.map { "\($0.path) \($0.status)" }.sorted() == [".prenv 200", ".prenv/preview.yaml 200", ".prenv/stacks 304"])
        // The same bytes at another ref are not fetched again either.
        try await standin.setContents(repository: Self.repository, ref: "feature", files: files)
        let other = try await reader.snapshot(repository: Self.repository, ref: "feature")
        #expect(other.files == snapshot.files)
        let last = Array(try await standin.contentsRequests().dropFirst(before + after.count))
        #expect(last.map(\.path).sorted() == [".prenv", ".prenv/stacks"], "listings only: the blobs are known")
    }

    @Test func serverErrorsAreThrownWithContextAndNoToken() async throws {
        let token = "ghs_secret_\(UUID().uuidString)"
        let standin = try await StandinProcess(token: token)
        defer { standin.stop() }
        try await standin.setContents(repository: Self.repository, ref: "main", files: [".prenv/preview.yaml": "a: 1\n"])
        try await standin.failContents(status: 502, count: 4)  // every attempt of the client's retry policy
        let error = try await #require(throws: GitHubError.self) {
            _ = try await reader(standin).snapshot(repository: Self.repository, ref: "main")
        }
        #expect(error.status == 502)
        #expect(error.description.contains("GET /repos/acme/webapp/contents/.prenv?ref=main"), "\(error)")
        #expect(!error.description.contains(token))
        #expect(try await standin.contentsRequests().map(\.status) == [502, 502, 502, 502])

        let refused = try await #require(throws: GitHubError.self) {
            _ = try await reader(standin, token: "ghs_not_the_token").snapshot(repository: Self.repository, ref: "main")
        }
        #expect(refused.status == 401 && !refused.description.contains("ghs_not_the_token"))
    }

    @Test func concurrentSnapshotsShareOneRead() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        try await standin.setContents(repository: Self.repository, ref: "main",
                                      files: [".prenv/preview.yaml": "name: preview\n", ".prenv/stacks/site.yaml": "name: site\n"])
        try await standin.delayContents(seconds: 0.3)
        let reader = reader(standin)
        async let first = reader.snapshot(repository: Self.repository, ref: "main")
        async let second = reader.snapshot(repository: "ACME/webapp", ref: "main")
        let (a, b) = try await (first, second)
        #expect(a.files == b.files && a.files.count == 2)
        #expect(try await standin.contentsRequests().count == 4, "two listings and two files, once")
        #expect(await reader.counters.sharedReads == 1)
    }
}
