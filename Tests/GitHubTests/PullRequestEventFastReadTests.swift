import Foundation
@testable import GitHub
import Testing

/// `PullRequestEvent.decode`'s one-pass reader against `JSONDecoder`: on every real payload it must
/// answer, and answer the same; on anything unusual it must give up so `JSONDecoder` decides.
@Suite struct PullRequestEventFastReadTests {
    /// The real payloads in the shared fixtures, as GitHub sent them.
    static func fixtures() throws -> [(name: String, body: Data)] {
        try SharedFixtures.jsonFiles(in: "fixtures/github-webhooks/pull_request").map { ($0.lastPathComponent, try Data(contentsOf: $0)) }
    }

    @Test func answersEveryRealPayloadAsJSONDecoderDoes() throws {
        let fixtures = try Self.fixtures()
        #expect(fixtures.count >= 28)
        for (name, body) in fixtures {
            let fast = try #require(PullRequestEvent.readFast(body), "the fast path gave up on \(name)")
            #expect(fast == (try PullRequestEvent.decodeByJSONDecoder(from: body)), "\(name)")
        }
    }

    /// Edits of the opened fixture covering each optional field's absent, null and present forms.
    @Test(arguments: [
        #"root["label"] = ["name": "deploy", "color": "fff"]"#,
        #"root["label"] = NSNull()"#,
        #"root["installation"] = ["id": 42, "node_id": "x"]"#,
        #"root["installation"] = NSNull()"#,
        #"root.removeValue(forKey: "installation")"#,
        #"root["changes"] = ["title": ["from": "Old ✓"], "base": ["ref": ["from": "main"], "sha": ["from": "abc"]]]"#,
        #"root["changes"] = [1, 2.5, true, NSNull(), "x"]"#,
        #"root["changes"] = NSNull()"#,
        #"pr["merged"] = NSNull()"#,
        #"pr["merged"] = true"#,
        #"head["repo"] = NSNull()"#,
        #"repo.removeValue(forKey: "default_branch")"#,
        #"repo["default_branch"] = NSNull()"#,
        #"pr["labels"] = [["name": "a"], ["name": "b", "id": 1]]"#,
        #"pr["labels"] = []"#,
    ])
    func answersEachOptionalFieldsForm(edit: String) throws {
        let body = try Self.opened(edit)
        let fast = try #require(PullRequestEvent.readFast(body), "gave up after \(edit)")
        #expect(fast == (try PullRequestEvent.decodeByJSONDecoder(from: body)))
    }

    @Test func decodesEscapesAsJSONDecoderDoes() throws {
        var text = String(decoding: try Self.opened(#"head["ref"] = "PLACEHOLDER""#), as: UTF8.self)
        // A branch name with every kind of escape: \/, \", \\, \n, \t, \u00e9 and a surrogate pair.
        text = text.replacingOccurrences(of: #""PLACEHOLDER""#, with: #""f\/\"q\\\n\t\u00e9-\ud83d\ude00""#)
        let body = Data(text.utf8)
        let fast = try #require(PullRequestEvent.readFast(body))
        #expect(fast.pullRequest.head.ref == "f/\"q\\\n\té-😀")
        #expect(fast == (try PullRequestEvent.decodeByJSONDecoder(from: body)))
    }

    /// `changes` is only compared: unreadable counts as absent rather than refusing the event, and
    /// `null` stays `null` (the content key always told it apart from absent).
    @Test func changesAreReadLeniently() throws {
        let text = String(decoding: try Self.opened(""), as: UTF8.self).dropFirst()
        let unreadable = Data(("{\"changes\":{\"x\":1E400}," + text).utf8)
        #expect(try PullRequestEvent.decode(from: unreadable).changes == nil)
        #expect(try PullRequestEvent.decodeByJSONDecoder(from: unreadable).changes == nil)
        let null = Data(("{\"changes\":null," + text).utf8)
        #expect(PullRequestEvent.readFast(null)?.changes == .null)
        #expect(try PullRequestEvent.decodeByJSONDecoder(from: null).changes == .null)
    }

    /// A key prenv does not read may repeat: `JSONDecoder` accepts that too, and the answer is the same.
    @Test func skipsRepeatedKeysItDoesNotRead() throws {
        let body = Data(("{\"sender\":{\"login\":1}," + String(decoding: try Self.opened(""), as: UTF8.self).dropFirst()).utf8)
        let fast = try #require(PullRequestEvent.readFast(body))
        #expect(fast == (try PullRequestEvent.decodeByJSONDecoder(from: body)))
    }

    /// Inputs the fast path must not judge; `decode` then gives `JSONDecoder`'s answer or error.
    @Test(arguments: [
        ("a field named twice", #"{"action":"opened","action":"closed","#),
        ("a key with an escape", #"{"\u0061ction":"opened","#),
        ("a byte-order mark", "\u{FEFF}{"),
        ("a lone high surrogate", #"{"x":"\ud83d","#),
        ("a lone low surrogate", #"{"x":"\ude00","#),
        ("a number with a fraction", #"{"number":1.0,"#),
        ("a number with an exponent", #"{"number":1e0,"#),
        ("a number with a leading zero", #"{"x":01,"#),
        ("a control character in a string", "{\"x\":\"a\u{01}b\","),
        ("a literal run into a word", #"{"x":nullx,"#),
        ("an unknown escape", #"{"x":"\q","#),
        ("a trailing comma", #"{"x":[1,],"#),
        ("nesting deeper than the limit", "{\"x\":" + String(repeating: "[", count: 70) + String(repeating: "]", count: 70) + ","),
    ])
    func givesUpOnWhatItDoesNotJudge(what: String, prefix: String) throws {
        var text = String(decoding: try Self.opened(""), as: UTF8.self)
        text = prefix + text.dropFirst()  // the fixture's own `{` replaced by the prefix's
        let body = Data(text.utf8)
        #expect(PullRequestEvent.readFast(body) == nil, "\(what)")
        expectSameOutcome(body, what)
    }

    @Test func givesUpOnInvalidUTF8AndTrailingBytes() throws {
        var invalid = try Self.opened("")
        let at = try #require(invalid.range(of: Data(#""ref":""#.utf8))).upperBound
        invalid.insert(0xFF, at: at)
        #expect(PullRequestEvent.readFast(invalid) == nil)
        expectSameOutcome(invalid, "invalid UTF-8")

        let trailing = try Self.opened("") + Data(" x".utf8)
        #expect(PullRequestEvent.readFast(trailing) == nil)
        expectSameOutcome(trailing, "trailing bytes")
        #expect(PullRequestEvent.readFast(try Self.opened("") + Data(" \n\t\r".utf8)) != nil, "trailing whitespace is fine")
    }

    /// A missing, null or mistyped field: the fast path gives up and the error is `JSONDecoder`'s, with its path.
    @Test(arguments: [
        (#"pr.removeValue(forKey: "updated_at")"#, "pull_request.updated_at"),
        (#"head["sha"] = NSNull()"#, "pull_request.head.sha"),
        (#"root["number"] = "7""#, "number"),
        (#"pr["labels"] = [["id": 1]]"#, "pull_request.labels[0].name"),
        (#"repo["owner"] = "acme""#, "repository.owner"),
    ])
    func leavesErrorsToJSONDecoder(edit: String, path: String) throws {
        let body = try Self.opened(edit)
        #expect(PullRequestEvent.readFast(body) == nil)
        #expect(throws: WebhookPayloadError.self) { try PullRequestEvent.decode(from: body) }
        do {
            _ = try PullRequestEvent.decode(from: body)
        } catch {
            #expect(error.path == path)
        }
        expectSameOutcome(body, edit)
    }

    private func expectSameOutcome(_ body: Data, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let decoded = Result { () throws(WebhookPayloadError) in try PullRequestEvent.decode(from: body) }
        let reference = Result { () throws(WebhookPayloadError) in try PullRequestEvent.decodeByJSONDecoder(from: body) }
        #expect(decoded == reference, "\(what)", sourceLocation: sourceLocation)
    }

    /// The opened fixture after one edit (`root`, `pr`, `head`, `repo` are its objects), written compactly.
    static func opened(_ edit: String) throws -> Data {
        let raw = try SharedFixtures.data("fixtures/github-webhooks/pull_request/opened.payload.json")
        var root = try #require(try JSONSerialization.jsonObject(with: raw) as? [String: Any])
        var pr = try #require(root["pull_request"] as? [String: Any])
        var head = try #require(pr["head"] as? [String: Any])
        var repo = try #require(root["repository"] as? [String: Any])
        switch edit {
        case "": break
        case #"root["label"] = ["name": "deploy", "color": "fff"]"#: root["label"] = ["name": "deploy", "color": "fff"]
        case #"root["label"] = NSNull()"#: root["label"] = NSNull()
        case #"root["installation"] = ["id": 42, "node_id": "x"]"#: root["installation"] = ["id": 42, "node_id": "x"]
        case #"root["installation"] = NSNull()"#: root["installation"] = NSNull()
        case #"root.removeValue(forKey: "installation")"#: root.removeValue(forKey: "installation")
        case #"root["changes"] = ["title": ["from": "Old ✓"], "base": ["ref": ["from": "main"], "sha": ["from": "abc"]]]"#:
            root["changes"] = ["title": ["from": "Old ✓"], "base": ["ref": ["from": "main"], "sha": ["from": "abc"]]]
        case #"root["changes"] = [1, 2.5, true, NSNull(), "x"]"#: root["changes"] = [1, 2.5, true, NSNull(), "x"] as [Any]
        case #"root["changes"] = NSNull()"#: root["changes"] = NSNull()
        case #"head["ref"] = "PLACEHOLDER""#: head["ref"] = "PLACEHOLDER"
        case #"pr["merged"] = NSNull()"#: pr["merged"] = NSNull()
        case #"pr["merged"] = true"#: pr["merged"] = true
        case #"head["repo"] = NSNull()"#: head["repo"] = NSNull()
        case #"repo.removeValue(forKey: "default_branch")"#: repo.removeValue(forKey: "default_branch")
        case #"repo["default_branch"] = NSNull()"#: repo["default_branch"] = NSNull()
        case #"pr["labels"] = [["name": "a"], ["name": "b", "id": 1]]"#: pr["labels"] = [["name": "a"], ["name": "b", "id": 1]] as [Any]
        case #"pr["labels"] = []"#: pr["labels"] = [Any]()
        case #"pr.removeValue(forKey: "updated_at")"#: pr.removeValue(forKey: "updated_at")
        case #"head["sha"] = NSNull()"#: head["sha"] = NSNull()
        case #"root["number"] = "7""#: root["number"] = "7"
        case #"pr["labels"] = [["id": 1]]"#: pr["labels"] = [["id": 1]] as [Any]
        case #"repo["owner"] = "acme""#: repo["owner"] = "acme"
        default: throw FixtureError(description: "no such edit: \(edit)")
        }
        pr["head"] = head
        root["pull_request"] = pr
        root["repository"] = repo
        return try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys])
    }
}
