import Foundation
import LocalAWSSupport
import Testing
import WebhookSupport

/// `prenv serve --log-format json` through a PR's lifecycle: every line of the log is a JSON object,
/// and every line of one delivery's work (intake, the operation it started down to its AWS calls,
/// the statuses it posted) names that delivery, the repository, the PR and the blueprint; no secret
/// is in any line.
@Suite struct StructuredLogsEndToEndTests {
    @Test func everyLineIsJSONAndADeliverysWorkCarriesItsID() async throws {
        let serve = try await ServeHarness("slog", arguments: ["--log-format", "json"])
        defer { serve.stop() }
        let pr = 611
        let sha = String(repeating: "6", count: 40)
        let opened = "slog-open-\(UUID().uuidString)"
        let closed = "slog-close-\(UUID().uuidString)"
        try await serve.send(PullRequestPayload(action: "opened", number: pr, headSHA: sha, updatedAt: WebhookFixtures.timestamp(0)),
                             deliveryID: opened)
        try await serve.waitFor(pr: pr, state: "ready", sha: sha)
        _ = try await eventually { try await serve.statuses(sha: sha) } until: { $0.contains { $0.context == "prenv/webapp" && $0.state == "success" } }
        try await serve.send(PullRequestPayload(action: "closed", number: pr, headSHA: sha, updatedAt: WebhookFixtures.timestamp(60)),
                             deliveryID: closed)
        try await serve.waitFor(pr: pr, state: "destroyed")
        _ = try await eventually { try await serve.statuses(sha: sha) } until: {
            $0.contains { $0.context == "prenv/webapp" && $0.description.hasPrefix("Environment destroyed") }
        }
        // Stopped, so every line is written (the final statuses' lines too).
        #expect(await serve.terminate(within: .seconds(30)) == 0)

        let text = try String(contentsOf: serve.log, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()  // the text ends with a newline
        #expect(text.hasSuffix("\n") && lines.count > 20)
        var objects: [[String: Any]] = []
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object != nil, "not a JSON object: \(line)")
            if let object { objects.append(object) }
        }
        for object in objects {
            #expect(object["time"] is String && object["level"] is String && object["message"] is String && object["logger"] is String, "\(object)")
        }
        #expect(objects.allSatisfy { ($0["time"] as? String)?.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil })

        for (delivery, operation) in [(opened, "apply"), (closed, "destroy")] {
            let mine = objects.filter { $0["delivery"] as? String == delivery }
            func lines(logger: String, _ message: (String) -> Bool = { _ in true }) -> [[String: Any]] {
                mine.filter { $0["logger"] as? String == logger && message($0["message"] as? String ?? "") }
            }
            let intake = lines(logger: "prenv.intake") { $0 == "webhook recorded" }
            let start = lines(logger: "prenv.supervisor") { $0 == operation }
            let aws = lines(logger: "prenv.aws")
            let statuses = lines(logger: "prenv.statuses") { $0 == "GitHub write sent" }
            #expect(intake.count == 1 && start.count == 1, "\(delivery): \(mine)")
            #expect(aws.count >= 4 && statuses.count >= 2, "\(delivery): \(aws.count) AWS lines, \(statuses.count) status lines")
            // Every line of the delivery's work is about this PR; from the worker on, about its blueprint.
            for line in mine {
                #expect(line["repository"] as? String == "acme/webapp" && line["pr"] as? Int == pr, "\(line)")
            }
            for line in start + aws + statuses {
                #expect(line["blueprint"] as? String == "webapp", "\(line)")
            }
            // The provider's AWS calls name the resource they are for.
            let resources = Set(aws.compactMap { $0["resource"] as? String })
            #expect(resources == ["artifacts", "build", "pipeline", "site"], "\(resources)")
        }
        // The other delivery's work is not mixed in: the destroy is not under the open's id.
        #expect(!objects.contains { $0["delivery"] as? String == opened && $0["message"] as? String == "destroy" })

        for secret in [serve.secret, serve.standin.token, "serve-secret"] {
            #expect(!text.contains(secret), "a secret is in the log")
        }
    }
}
