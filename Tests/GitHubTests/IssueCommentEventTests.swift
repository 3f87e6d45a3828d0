import Foundation
import GitHub
import Testing

/// `issue_comment` payloads: GitHub's real examples decode, malformed ones name the field, and the
/// `/prenv` command reading is as strict as documented.
@Suite struct IssueCommentEventTests {
    static let folder = "fixtures/github-webhooks/issue_comment"

    static func fixture(_ name: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: SharedFixtures.data("\(folder)/\(name)")) as? [String: Any])
    }

    @Test func everyRealExampleDecodes() throws {
        let files = try SharedFixtures.jsonFiles(in: Self.folder)
        #expect(files.count >= 3)
        for file in files {
            let event = try IssueCommentEvent.decode(from: Data(contentsOf: file))
            #expect(["created", "edited", "deleted"].contains(event.action), "\(file.lastPathComponent)")
            #expect(event.repository.fullName == "Codertocat/Hello-World")
        }
    }

    @Test func theCreatedExampleIsAPlainIssueCommentByAUser() throws {
        let event = try IssueCommentEvent.decode(from: SharedFixtures.data("\(Self.folder)/created.payload.json"))
        #expect(event.action == "created")
        #expect(event.issue.number == 1)
        #expect(!event.isOnPullRequest, "GitHub's example comments on an issue, not a PR")
        #expect(event.comment.id == 492_700_400)
        #expect(event.comment.user == .init(login: "Codertocat", type: "User"))
        #expect(!event.isByBot)
        #expect(event.installation == nil)
        let withInstallation = try IssueCommentEvent.decode(from: SharedFixtures.data("\(Self.folder)/created.with-installation.payload.json"))
        #expect(withInstallation.installation?.id == 1)
    }

    @Test func aPullRequestLinkMarksAPullRequestComment() throws {
        var json = try Self.fixture("created.payload.json")
        var issue = try #require(json["issue"] as? [String: Any])
        issue["pull_request"] = ["url": "https://api.github.com/repos/Codertocat/Hello-World/pulls/1"]
        json["issue"] = issue
        #expect(try IssueCommentEvent.decode(from: JSONSerialization.data(withJSONObject: json)).isOnPullRequest)
        issue["pull_request"] = NSNull()
        json["issue"] = issue
        #expect(try !IssueCommentEvent.decode(from: JSONSerialization.data(withJSONObject: json)).isOnPullRequest, "null is absent")
    }

    @Test func botsAreRecognisedByTypeOrLogin() throws {
        var json = try Self.fixture("created.payload.json")
        var comment = try #require(json["comment"] as? [String: Any])
        comment["user"] = ["login": "prenv[bot]", "type": "Bot"]
        json["comment"] = comment
        #expect(try IssueCommentEvent.decode(from: JSONSerialization.data(withJSONObject: json)).isByBot)
        comment["user"] = ["login": "renovate[bot]", "type": "User"]
        json["comment"] = comment
        #expect(try IssueCommentEvent.decode(from: JSONSerialization.data(withJSONObject: json)).isByBot)
    }

    @Test(arguments: [
        ("comment.body", "required field is missing", ["comment", "body"]),
        ("comment.user", "required field is missing", ["comment", "user"]),
        ("comment.id", "required field is missing", ["comment", "id"]),
        ("issue.number", "required field is missing", ["issue", "number"]),
        ("repository", "required field is missing", ["repository"]),
    ])
    func aMissingFieldIsNamed(path: String, reason: String, remove: [String]) throws {
        var json = try Self.fixture("created.payload.json")
        if remove.count == 1 {
            json[remove[0]] = nil
        } else {
            var inner = try #require(json[remove[0]] as? [String: Any])
            inner[remove[1]] = nil
            json[remove[0]] = inner
        }
        #expect(throws: WebhookPayloadError(path: path, reason: reason)) {
            try IssueCommentEvent.decode(from: JSONSerialization.data(withJSONObject: json))
        }
    }

    @Test func aWrongTypeIsNamed() throws {
        var json = try Self.fixture("created.payload.json")
        var comment = try #require(json["comment"] as? [String: Any])
        comment["id"] = "492700400"
        json["comment"] = comment
        #expect(throws: WebhookPayloadError(path: "comment.id", reason: "expected Int64")) {
            try IssueCommentEvent.decode(from: JSONSerialization.data(withJSONObject: json))
        }
        #expect(throws: WebhookPayloadError.self) { try IssueCommentEvent.decode(from: Data("{not json".utf8)) }
    }

    // MARK: The command

    @Test(arguments: [
        ("/prenv redeploy", PrenvCommand.redeploy),
        ("/PRENV Destroy", .destroy),
        ("  /prenv keep", .keep),
        ("/prenv help", .help),
        ("/prenv", .help),
        ("/prenv destroy — done testing", .destroy),
        ("Thanks!\r\n/prenv redeploy\r\n", .redeploy),
        ("/prenv frobnicate", .unknown("frobnicate")),
        ("/prenv keep\n/prenv destroy", .keep),
        ("```\n/prenv destroy\n```\n/prenv keep", .keep),
    ] as [(String, PrenvCommand)])
    func commandsAreRead(body: String, command: PrenvCommand) {
        #expect(PrenvCommand.parse(body) == command)
    }

    @Test(arguments: [
        "please /prenv destroy", "/prenv-destroy", "> /prenv destroy", "```\n/prenv destroy\n```", "~~~\n/prenv destroy", "", "prenv destroy",
        "`/prenv destroy`",
    ])
    func textThatIsNoCommand(body: String) {
        #expect(PrenvCommand.parse(body) == nil)
    }
}
