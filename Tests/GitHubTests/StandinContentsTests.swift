import Crypto
import Foundation
import GitHub
import HTTPTransport
import Testing
import TestServices

/// The stand-in's contents route answers as GitHub does (listing shape, base64, files over 1 MB,
/// symlinks, submodules, 404, ETag/304, credentials), read raw and through prenv's client.
@Suite struct StandinContentsTests {
    static var tree: [String: Any] { [
        ".prenv/preview.yaml": "name: preview\n",
        ".prenv/stacks/site.yaml": "name: site\n",
        ".prenv/evil.yaml": ["symlink": "../../etc/passwd"],
        ".prenv/alias.yaml": ["symlink": "preview.yaml"],
        ".prenv/vendored": ["submodule": true],
        ".prenv/big.yaml": ["size": 2_000_000],
        "README.md": "hello",
    ] }

    private func get(_ standin: StandinProcess, _ pathAndQuery: String, headers: HTTPHeaders? = nil) async throws -> HTTPResponse {
        let url = try #require(URL(string: standin.url.absoluteString + "/repos/acme/webapp/contents/" + pathAndQuery))
        let sent = headers ?? ["User-Agent": "prenv-test", "Authorization": "Bearer \(standin.token)"]
        return try await CurlTransport().send(HTTPRequest(method: "GET", url: url, headers: sent))
    }

    private static func blobSHA(_ data: Data) -> String {
        Insecure.SHA1.hash(data: Data("blob \(data.count)\0".utf8) + data).map { String(format: "%02x", $0) }.joined()
    }

    @Test func directoryListingHasGitHubsShape() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        try await standin.setContents(repository: "acme/webapp", ref: "main", files: Self.tree)
        let response = try await get(standin, ".prenv?ref=main")
        #expect(response.status == 200)
        let entries = try #require(try JSONSerialization.jsonObject(with: response.body) as? [[String: Any]])
        #expect(entries.map { $0["name"] as? String } == ["alias.yaml", "big.yaml", "evil.yaml", "preview.yaml", "stacks", "vendored"])
        #expect(entries.map { $0["type"] as? String } == ["symlink", "file", "symlink", "file", "dir", "file"],
                "GitHub lists a submodule as a file")
        for entry in entries {
            for field in ["path", "sha", "url", "html_url", "git_url"] { #expect(entry[field] is String, "\(field) of \(entry)") }
            #expect(entry["size"] is Int)
            #expect((entry["url"] as? String)?.hasSuffix("?ref=main") == true, "GitHub's entry URLs carry the ref")
        }
        let preview = try #require(entries.first { $0["name"] as? String == "preview.yaml" })
        #expect(preview["sha"] as? String == Self.blobSHA(Data("name: preview\n".utf8)), "git's blob id")
        #expect(preview["path"] as? String == ".prenv/preview.yaml" && preview["size"] as? Int == 14)
        let submodule = try #require(entries.first { $0["name"] as? String == "vendored" })
        #expect(submodule["download_url"] is NSNull && (submodule["git_url"] as? String)?.contains("/git/trees/") == true)

        let github = GitHubClient(baseURL: standin.url, token: standin.token, transport: CurlTransport(), sleep: { _ in })
        guard case .directory(let decoded, let etag) = try await github.contents(repository: "acme/webapp", path: ".prenv", ref: "main", ifNoneMatch: nil) else {
            Issue.record("not a directory")
            return
        }
        #expect(etag == response.headers["ETag"])
        #expect(decoded.map(\.type) == [.symlink, .file, .symlink, .file, .dir, .submodule], "the client tells the listed submodule apart")
        #expect(decoded.first { $0.name == "big.yaml" }?.size == 2_000_000)
    }

    @Test func fileIsBase64WrappedEvery60Characters() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        let text = String(repeating: "line of a blueprint: ünïcode ✓\n", count: 20)
        let bytes = Data((0..<300).map { UInt8($0 % 256) })
        try await standin.setContents(repository: "acme/webapp", ref: "main",
                                      files: [".prenv/a.yaml": text, ".prenv/b.bin": ["base64": bytes.base64EncodedString()]])
        let response = try await get(standin, ".prenv/a.yaml?ref=main")
        let object = try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
        #expect(object["type"] as? String == "file" && object["encoding"] as? String == "base64")
        let content = try #require(object["content"] as? String)
        let lines = content.split(separator: "\n")
        #expect(lines.count > 1 && lines.dropLast().allSatisfy { $0.count == 60 } && content.hasSuffix("\n"))

        let github = GitHubClient(baseURL: standin.url, token: standin.token, transport: CurlTransport(), sleep: { _ in })
        for (path, expected) in [(".prenv/a.yaml", Data(text.utf8)), (".prenv/b.bin", bytes)] {
            guard case .file(let file, let etag) = try await github.contents(repository: "acme/webapp", path: path, ref: "main", ifNoneMatch: nil) else {
                Issue.record("\(path) is not a file")
                continue
            }
            #expect(file.data == expected && file.size == expected.count && file.path == path && etag != nil)
            #expect(file.sha == Self.blobSHA(expected))
        }
    }

    @Test func fileOverOneMegabyteComesWithoutContent() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        try await standin.setContents(repository: "acme/webapp", ref: "main",
                                      files: [".prenv/big.yaml": ["size": 1_048_577], ".prenv/edge.yaml": ["size": 1_048_576]])
        let response = try await get(standin, ".prenv/big.yaml?ref=main")
        let object = try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
        #expect(object["encoding"] as? String == "none" && object["content"] as? String == "" && object["size"] as? Int == 1_048_577)
        let github = GitHubClient(baseURL: standin.url, token: standin.token, transport: CurlTransport(), sleep: { _ in })
        let big = try await github.contents(repository: "acme/webapp", path: ".prenv/big.yaml", ref: "main", ifNoneMatch: nil)
        guard case .file(let file, _) = big else { Issue.record("\(big)"); return }
        #expect(file.data == nil && file.size == 1_048_577)
        let edge = try await github.contents(repository: "acme/webapp", path: ".prenv/edge.yaml", ref: "main", ifNoneMatch: nil)
        guard case .file(let exact, _) = edge else { Issue.record("exactly 1 MB"); return }
        #expect(exact.data?.count == 1_048_576, "exactly 1 MB still comes with its content")
    }

    @Test func symlinksAndSubmodulesAsked() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        try await standin.setContents(repository: "acme/webapp", ref: "main", files: Self.tree)
        let github = GitHubClient(baseURL: standin.url, token: standin.token, transport: CurlTransport(), sleep: { _ in })
        #expect(try await github.contents(repository: "acme/webapp", path: ".prenv/evil.yaml", ref: "main", ifNoneMatch: nil)
                == .symlink(target: "../../etc/passwd"), "a target outside the repository is not followed")
        let alias = try await github.contents(repository: "acme/webapp", path: ".prenv/alias.yaml", ref: "main", ifNoneMatch: nil)
        guard case .file(let followed, _) = alias else { Issue.record("\(alias)"); return }
        #expect(followed.path == ".prenv/preview.yaml" && followed.data == Data("name: preview\n".utf8),
                "GitHub answers a symlink to a regular file with that file, under the target's path")
        #expect(try await github.contents(repository: "acme/webapp", path: ".prenv/vendored", ref: "main", ifNoneMatch: nil) == .submodule)
    }

    @Test func unknownRefOrPathIsNotFound() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        try await standin.setContents(repository: "acme/webapp", ref: "feature", files: Self.tree)
        #expect(try await get(standin, ".prenv?ref=nope").status == 404)
        #expect(try await get(standin, ".prenv/missing.yaml?ref=feature").status == 404)
        #expect(try await get(standin, ".prenv").status == 404, "no ref and no default branch")
        try await standin.setContents(repository: "acme/webapp", ref: "main", isDefault: true, files: ["x/y.yaml": "a"])
        #expect(try await get(standin, "x").status == 200, "no ref reads the default branch")
        #expect(try await get(standin, ".prenv").status == 404)
        let github = GitHubClient(baseURL: standin.url, token: standin.token, transport: CurlTransport(), sleep: { _ in })
        #expect(try await github.contents(repository: "acme/webapp", path: ".prenv", ref: "nope", ifNoneMatch: nil) == .notFound)
        #expect(try await github.contents(repository: "acme/other", path: ".prenv", ref: "feature", ifNoneMatch: nil) == .notFound)
        let requests = try await standin.contentsRequests()
        #expect(requests.map(\.status) == [404, 404, 404, 200, 404, 404, 404])
        #expect(requests.map(\.ref) == ["nope", "feature", nil, nil, nil, "nope", "feature"])
    }

    @Test func etagAnswersNotModified() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        let sha = String(repeating: "ab", count: 20)
        try await standin.setContents(repository: "acme/webapp", ref: "main", commit: sha, files: Self.tree)
        let first = try await get(standin, ".prenv?ref=main")
        let etag = try #require(first.headers["ETag"])
        #expect(etag.hasPrefix("\"") && !etag.hasPrefix("W/"), "a strong ETag")
        let again = try await get(standin, ".prenv?ref=main", headers: ["User-Agent": "t", "Authorization": "Bearer \(standin.token)", "If-None-Match": etag])
        #expect(again.status == 304 && again.body.isEmpty)
        let atSHA = try await get(standin, ".prenv?ref=\(sha)")
        #expect(atSHA.status == 200 && atSHA.headers["ETag"] != etag, "the listing embeds its ref, so its ETag differs per ref")

        let github = GitHubClient(baseURL: standin.url, token: standin.token, transport: CurlTransport(), sleep: { _ in })
        #expect(try await github.contents(repository: "acme/webapp", path: ".prenv", ref: "main", ifNoneMatch: etag) == .notModified)
        let file = try await get(standin, ".prenv/preview.yaml?ref=main")
        let fileTag = try #require(file.headers["ETag"])
        #expect(try await github.contents(repository: "acme/webapp", path: ".prenv/preview.yaml", ref: "main", ifNoneMatch: fileTag) == .notModified)
        try await standin.setContents(repository: "acme/webapp", ref: "main", files: [".prenv/preview.yaml": "name: changed\n"])
        let changed = try await github.contents(repository: "acme/webapp", path: ".prenv", ref: "main", ifNoneMatch: etag)
        guard case .directory(let entries, let newTag) = changed else { Issue.record("\(changed)"); return }
        #expect(entries.map(\.name) == ["preview.yaml"] && newTag != etag)
        let requests = try await standin.contentsRequests()
        #expect(requests.filter { $0.status == 304 }.count == 3)
        #expect(requests.last?.ifNoneMatch == etag)
    }

    @Test func credentialsAndFaultsAreCheckedFirst() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        try await standin.setContents(repository: "acme/webapp", ref: "main", files: Self.tree)
        #expect(try await get(standin, ".prenv?ref=main", headers: ["Authorization": "Bearer \(standin.token)", "User-Agent": ""]).status == 403,
                "an empty User-Agent")
        #expect(try await get(standin, ".prenv?ref=main", headers: ["User-Agent": "t", "Authorization": "Bearer wrong"]).status == 401)
        let wrong = GitHubClient(baseURL: standin.url, token: "ghs_wrong_secret", transport: CurlTransport(), sleep: { _ in })
        let error = try await #require(throws: GitHubError.self) {
            _ = try await wrong.contents(repository: "acme/webapp", path: ".prenv", ref: "main", ifNoneMatch: nil)
        }
        #expect(error.status == 401 && error.description.contains("contents/.prenv") && !error.description.contains("ghs_wrong_secret"))
        #expect(try await standin.contentsRequests().isEmpty, "refused before the route counts")
        try await standin.failContents(status: 502, count: 1)
        #expect(try await get(standin, ".prenv?ref=main").status == 502)
        #expect(try await get(standin, ".prenv?ref=main").status == 200, "one fault, then the tree")
        #expect(try await standin.contentsRequests().map(\.status) == [502, 200])
    }

    /// Everything of the author's is checked before a URL exists: nothing reaches the stand-in.
    @Test func hostileArgumentsAreRefusedBeforeAnyRequest() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        let github = GitHubClient(baseURL: standin.url, token: standin.token, transport: CurlTransport(), sleep: { _ in })
        let refused: [(String, String, String)] = [
            ("acme/webapp/extra", ".prenv", "main"), ("acme", ".prenv", "main"), ("-acme/webapp", ".prenv", "main"),
            ("acme/..", ".prenv", "main"), ("acme/web app", ".prenv", "main"),
            ("acme/webapp", ".prenv/../secrets", "main"), ("acme/webapp", ".prenv//x", "main"), ("acme/webapp", "", "main"),
            ("acme/webapp", ".prenv/x\u{0}y", "main"), ("acme/webapp", "./.prenv", "main"),
            ("acme/webapp", ".prenv", ""), ("acme/webapp", ".prenv", "main\u{0}"), ("acme/webapp", ".prenv", "a\nb"),
        ]
        for (repository, path, ref) in refused {
            await #expect(throws: GitHubError.self, "\(repository) \(path) \(ref)") {
                _ = try await github.contents(repository: repository, path: path, ref: ref, ifNoneMatch: nil)
            }
        }
        #expect(try await standin.contentsRequests().isEmpty)
    }
}
