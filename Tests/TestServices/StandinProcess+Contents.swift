import HTTPTransport
import Foundation

/// Admin helpers for `contents.py`: a repository's tree per ref, faults, and what was asked.
extension StandinProcess {
    /// One contents request as the stand-in saw it: the decoded repository path and `ref` (nil when
    /// none was sent), the status answered and the `If-None-Match` sent.
    public struct ContentsRequest: Sendable, Equatable {
        public var path: String
        public var ref: String?
        public var status: Int
        public var ifNoneMatch: String?
    }

    public struct AdminRefused: Error, CustomStringConvertible {
        public let description: String
    }

    /// Sets the whole tree of `repository` at `ref` (replacing it). `files`: path → UTF-8 text, or
    /// `["symlink": target]`, `["size": N]` (N bytes of `a`), `["submodule": true]`, `["base64": "…"]`.
    /// `commit` makes the same tree readable at that sha; `isDefault` makes `ref` the default branch.
    public func setContents(repository: String, ref: String, commit: String? = nil, isDefault: Bool = false,
                            files: [String: Any]) async throws {
        var body: [String: Any] = ["repository": repository, "ref": ref, "files": files, "default": isDefault]
        if let commit { body["commit"] = commit }
        let answer = try await admin("contents", body)
        guard (try? JSONSerialization.jsonObject(with: answer) as? [String: Any])?["ok"] as? Bool == true else {
            throw AdminRefused(description: "POST /_standin/contents refused: \(String(decoding: answer, as: UTF8.self))")
        }
    }

    /// The next `count` contents requests fail with `status` (after the credential checks).
    public func failContents(status: Int = 502, count: Int = 1) async throws {
        _ = try await admin("contents/faults", ["status": status, "count": count])
    }

    /// Every contents answer waits `seconds` first.
    public func delayContents(seconds: Double) async throws {
        _ = try await admin("contents/delay", ["seconds": seconds])
    }

    /// Every contents request so far, in order.
    public func contentsRequests() async throws -> [ContentsRequest] {
        let response = try await CurlTransport().send(HTTPRequest(method: "GET", url: url.appendingPathComponent("_standin/contents")))
        let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        return (object?["requests"] as? [[String: Any]] ?? []).map {
            ContentsRequest(path: $0["path"] as? String ?? "", ref: $0["ref"] as? String, status: $0["status"] as? Int ?? 0,
                            ifNoneMatch: $0["if_none_match"] as? String)
        }
    }
}
