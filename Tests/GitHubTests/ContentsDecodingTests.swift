import Foundation
import GitHub
import HTTPTransport
import Testing

/// Answers the stand-in never gives but a proxy, a GitHub Enterprise Server or a bug could: each is a
/// `GitHubError` naming the route, never a silently wrong listing or file.
@Suite struct ContentsDecodingTests {
    static let entry = #"{"type":"file","name":"a.yaml","path":".prenv/a.yaml","sha":"x","size":1,"download_url":"https://raw/a"}"#

    @Test(arguments: [
        (#""just a string""#, "expected a JSON array or object"),
        ("not json", "expected a JSON array or object"),
        (#"{"type":"dir","name":".prenv","path":".prenv","sha":"x","size":0}"#, "an object of type dir"),
        (#"[{"type":"file","name":"a.yaml","path":".prenv/a.yaml","sha":"x"}]"#, "not a content entry"),
        (#"[{"type":"file","name":"passwd","path":"etc/passwd","sha":"x","size":1,"download_url":"u"}]"#, "is not right inside"),
        (#"[{"type":"file","name":"..","path":".prenv/..","sha":"x","size":1,"download_url":"u"}]"#, "is not right inside"),
        (#"{"type":"file","name":"a","path":".prenv","sha":"x","size":3,"encoding":"base64","content":"!!!"}"#, "not base64"),
        (#"{"type":"file","name":"a","path":".prenv","sha":"x","size":9,"encoding":"base64","content":"YWJj\n"}"#, "size says 9"),
        (#"{"type":"file","name":"a","path":".prenv","sha":"x","size":3,"encoding":"utf-16","content":"abc"}"#, "unknown encoding"),
        (#"{"type":"symlink","name":"a","path":".prenv","sha":"x","size":3}"#, "without a target"),
    ])
    func malformedAnswersAreTypedErrors(body: String, detail: String) async throws {
        let transport = RecordingTransport([json(200, body)])
        let github = GitHubClient(token: "ghs_secret_token", transport: transport, sleep: { _ in })
        let error = try await #require(throws: GitHubError.self) {
            _ = try await github.contents(repository: "acme/webapp", path: ".prenv", ref: "main", ifNoneMatch: nil)
        }
        #expect(error.description.contains("GET /repos/acme/webapp/contents/.prenv?ref=main: "), "\(error)")
        #expect(error.description.contains(detail), "\(error)")
        #expect(!error.description.contains("ghs_secret_token"))
    }

    @Test func wellFormedAnswersDecode() async throws {
        let transport = RecordingTransport([
            json(200, "[\(Self.entry)]", ["ETag": "\"e1\""]),
            json(200, #"{"type":"file","name":"a.yaml","path":".prenv/a.yaml","sha":"x","size":3,"encoding":"base64","content":"YW\nJj\n"}"#),
            HTTPResponse(status: 304),
        ])
        let github = GitHubClient(token: "t", transport: transport, sleep: { _ in })
        #expect(try await github.contents(repository: "acme/webapp", path: ".prenv", ref: "feature/x?y", ifNoneMatch: nil)
                == .directory([ContentEntry(type: .file, name: "a.yaml", path: ".prenv/a.yaml", sha: "x", size: 1)], etag: "\"e1\""))
        #expect(try await github.contents(repository: "acme/webapp", path: ".prenv/a.yaml", ref: "main", ifNoneMatch: nil)
                == .file(ContentFile(path: ".prenv/a.yaml", sha: "x", size: 3, data: Data("abc".utf8)), etag: nil))
        #expect(try await github.contents(repository: "acme/webapp", path: ".prenv", ref: "main", ifNoneMatch: "\"e1\"") == .notModified)
        let sent = transport.requests
        #expect(sent.first?.url.absoluteString == "https://api.github.com/repos/acme/webapp/contents/.prenv?ref=feature%2Fx%3Fy")
        #expect(sent.last?.headers["If-None-Match"] == "\"e1\"" && sent.first?.headers["If-None-Match"] == nil)
    }
}
