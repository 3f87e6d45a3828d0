import Foundation
import GitHub
import Testing

@Suite struct PullRequestEventTests {
    @Test func everyPullRequestFixtureDecodes() throws {
        let files = try SharedFixtures.jsonFiles(in: "fixtures/github-webhooks/pull_request")
        #expect(files.count >= 28)
        for file in files {
            let event = try PullRequestEvent.decode(from: Data(contentsOf: file))
            #expect(event.number == event.pullRequest.number, "\(file.lastPathComponent)")
            #expect(event.pullRequest.head.sha.count == 40)
            #expect(!event.repository.fullName.isEmpty)
            if ["labeled", "unlabeled"].contains(event.action) {
                #expect(event.label != nil, "\(file.lastPathComponent) has no label")
            }
        }
    }

    @Test func openedFixtureCarriesWhatPrenvNeeds() throws {
        let event = try PullRequestEvent.decode(from: SharedFixtures.data("fixtures/github-webhooks/pull_request/opened.payload.json"))
        #expect(event.action == "opened")
        #expect(event.repository.fullName == "Codertocat/Hello-World")
        #expect(event.repository.owner.login == "Codertocat")
        #expect(event.repository.name == "Hello-World")
        #expect(event.pullRequest.state == "open")
        #expect(event.pullRequest.head.repo?.fork == false)
        #expect(event.pullRequest.base.repo.fullName == "Codertocat/Hello-World")
        #expect(event.isFromFork == false)
    }

    @Test func labeledFixtureNamesTheLabel() throws {
        let event = try PullRequestEvent.decode(from: SharedFixtures.data("fixtures/github-webhooks/pull_request/labeled.payload.json"))
        #expect(event.label?.name == "bug")
        #expect(event.pullRequest.labels.map(\.name) == ["bug"])
        #expect(event.installation?.id == 1)
    }

    @Test func deletedForkAndForeignHeadCountAsForks() throws {
        var json = try JSONSerialization.jsonObject(with: SharedFixtures.data("fixtures/github-webhooks/pull_request/opened.payload.json")) as! [String: Any]
        var pr = json["pull_request"] as! [String: Any]
        var head = pr["head"] as! [String: Any]
        head["repo"] = NSNull()
        pr["head"] = head
        json["pull_request"] = pr
        let deleted = try PullRequestEvent.decode(from: JSONSerialization.data(withJSONObject: json))
        #expect(deleted.pullRequest.head.repo == nil)
        #expect(deleted.isFromFork)
    }

    @Test func missingFieldErrorNamesTheJSONPath() throws {
        var json = try JSONSerialization.jsonObject(with: SharedFixtures.data("fixtures/github-webhooks/pull_request/opened.payload.json")) as! [String: Any]
        var pr = json["pull_request"] as! [String: Any]
        var head = pr["head"] as! [String: Any]
        head["sha"] = nil
        pr["head"] = head
        json["pull_request"] = pr
        let body = try JSONSerialization.data(withJSONObject: json)
        #expect(throws: WebhookPayloadError(path: "pull_request.head.sha", reason: "required field is missing")) {
            try PullRequestEvent.decode(from: body)
        }
    }

    @Test func wrongTypeInArrayNamesTheIndex() throws {
        var json = try JSONSerialization.jsonObject(with: SharedFixtures.data("fixtures/github-webhooks/pull_request/labeled.payload.json")) as! [String: Any]
        var pr = json["pull_request"] as! [String: Any]
        pr["labels"] = [["name": 7]]
        json["pull_request"] = pr
        let body = try JSONSerialization.data(withJSONObject: json)
        do {
            _ = try PullRequestEvent.decode(from: body)
            Issue.record("decoded a label whose name is a number")
        } catch {
            #expect(error.path == "pull_request.labels[0].name")
            #expect(error.description.contains("pull_request.labels[0].name"))
        }
    }

    @Test func brokenJSONIsReportedAtTheRoot() {
        do {
            _ = try PullRequestEvent.decode(from: Data("{\"action\": ".utf8))
            Issue.record("decoded truncated JSON")
        } catch {
            #expect(error.path == "")
            #expect(error.description.hasPrefix("invalid webhook payload: not valid JSON"))
        }
    }
}
