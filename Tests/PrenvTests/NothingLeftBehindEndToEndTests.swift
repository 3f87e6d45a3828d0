import AWSServices
import Foundation
import LocalAWSSupport
import Testing
import WebhookSupport

/// The teardown guarantee through `prenv serve`, as an operator would lose things: every `closed`
/// webhook of five PRs is dropped, and the state file is lost once on the way. After the server's
/// pull-request check and one orphan sweep, an independent tag scan of the account (listing and tags,
/// not prenv's own discovery) finds nothing left of the closed PRs, while the open PR's environment
/// is adopted again rather than torn down and rebuilt.
@Suite struct NothingLeftBehindEndToEndTests {
    let sha1 = String(repeating: "5", count: 40)
    let closedWhileRunning = [9101, 9102]
    let closedWhileDown = [9103, 9104, 9105]
    let stillOpen = 9106
    var everyPR: [Int] { closedWhileRunning + closedWhileDown + [stillOpen] }

    @Test(.timeLimit(.minutes(8)))
    func droppedClosesAndALostStateFileLeaveNothingOfClosedPullRequests() async throws {
        let instance = "nlb-" + String(LocalAWS.uniqueName("e2e").suffix(12))
        let serve = try await ServeHarness(
            "nlb",
            // The open-PR listing needs literal repository names (a glob cannot be listed).
            editBlueprint: { $0.replacingOccurrences(of: #"repositories: ["acme/*"]"#, with: #"repositories: ["acme/webapp"]"#) },
            arguments: ["--gc-interval", "3"], environment: ["PRENV_INSTANCE": instance])
        defer { serve.stop() }
        let started = Date()

        // Six PRs open on GitHub and delivered; all six provisioned.
        for pr in everyPR {
            try await setPullRequest(pr, state: "open", second: 0, on: serve)
            try await serve.send(PullRequestPayload(action: "opened", number: pr, headSHA: sha1, updatedAt: WebhookFixtures.timestamp(0)))
        }
        for pr in everyPR { try await serve.waitFor(pr: pr, state: "ready", seconds: 240) }
        let provisioned = Date()
        for pr in everyPR {
            let found = try await TaggedResources.find(envName: serve.envName(pr: pr), client: serve.templates.client)
            #expect(found.projects.count == 1 && found.pipelines.count == 1 && found.stacks.count == 1, "PR \(pr): \(found)")
            #expect(try await markers(pr, serve).count == 1, "PR \(pr) has no prefix marker")
        }
        let stackOfOpenPR = try await TaggedResources.find(envName: serve.envName(pr: stillOpen), client: serve.templates.client).stacks

        // Two PRs close while prenv runs, and their webhooks are lost: the per-PR check tears them down.
        for pr in closedWhileRunning { try await setPullRequest(pr, state: "closed", second: 60, on: serve) }
        for pr in closedWhileRunning { try await serve.waitFor(pr: pr, state: "destroyed", seconds: 120) }

        // prenv goes down and its state file is lost; meanwhile three more PRs close (no webhooks).
        serve.kill9()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: serve.statePath + suffix) }
        for pr in closedWhileDown { try await setPullRequest(pr, state: "closed", second: 120, on: serve) }
        let listingsBefore = try await serve.standin.listings()
        try await serve.restart()
        let restarted = Date()

        // The listing gives the open PR a worker again (it adopts its resources); one sweep deletes
        // what nothing accounts for any more.
        try await serve.waitFor(pr: stillOpen, state: "ready", seconds: 120)
        let sweep = try await waitForSweep(deleting: closedWhileDown, serve: serve, after: restarted)
        let swept = Date()

        for pr in closedWhileRunning + closedWhileDown {
            let found = try await TaggedResources.find(envName: serve.envName(pr: pr), client: serve.templates.client)
            #expect(found.isEmpty, "PR \(pr) left \(found)")
            #expect(try await markers(pr, serve).isEmpty, "PR \(pr) left its prefix marker")
        }
        let open = try await TaggedResources.find(envName: serve.envName(pr: stillOpen), client: serve.templates.client)
        #expect(open.projects.count == 1 && open.pipelines.count == 1 && open.stacks == stackOfOpenPR, "\(open)")
        #expect(try await markers(stillOpen, serve).count == 1)
        // Adopted, not rebuilt: the sweep never deleted anything of the open PR.
        let deletions = serve.logTail(100_000).split(separator: "\n").filter { $0.contains("deleted orphaned resource") }
        #expect(!deletions.isEmpty && deletions.allSatisfy { !$0.contains("#\(stillOpen)/") }, "\(deletions)")
        #expect(deletions.allSatisfy { line in closedWhileDown.contains { line.contains("#\($0)/") } }, "\(deletions)")

        let listings = try await serve.standin.listings()
        print("""
            nothing-left-behind: 6 environments (4 resources each) provisioned in \(seconds(provisioned, started)) s; \
            after restart on an empty state the open PR was ready again and one sweep deleted \
            \(sweep.deleted) resources of \(closedWhileDown.count) closed PRs in \(seconds(swept, restarted)) s; \
            open-PR listing after restart: \(listings.ok - listingsBefore.ok) pages fetched (200), \
            \(listings.notModified - listingsBefore.notModified) unchanged (304)
            """)
    }

    /// Sets what the stand-in says about `pr` (what the PR check and the listing read).
    func setPullRequest(_ pr: Int, state: String, second: Int, on serve: ServeHarness) async throws {
        _ = try await serve.standin.admin("pulls", [
            "repository": "acme/webapp", "number": pr, "state": state, "head_sha": sha1, "head_ref": "feature/login",
            "base_ref": "main", "updated_at": WebhookFixtures.timestamp(second),
        ])
    }

    /// Keys under PR `pr`'s prefix (`webapp/pr-N/` in the test's bucket) that are prenv markers.
    func markers(_ pr: Int, _ serve: ServeHarness) async throws -> [String] {
        try await S3(client: serve.templates.client).listObjectsV2(bucket: serve.templates.bucket, prefix: "webapp/pr-\(pr)/")
            .map(\.key).filter { $0.hasSuffix(".prenv-environment.json") }
    }

    /// Polls `/api/orphans` until sweeps that ran after `date` deleted four resources of each PR in
    /// `prs` and the latest one has nothing of them left; fails with the last report and the log otherwise.
    func waitForSweep(deleting prs: [Int], serve: ServeHarness, after date: Date) async throws -> (deleted: Int, report: [String: Any]) {
        let deadline = Date().addingTimeInterval(180)
        let numbers = Set(prs.map(String.init))
        var last: [String: Any] = [:]
        var deleted = Set<String>()
        while Date() < deadline {
            let response = try? await serve.transport.send(.init(method: "GET", url: serve.url.appendingPathComponent("api/orphans")))
            last = response.flatMap { try? JSONSerialization.jsonObject(with: $0.body) as? [String: Any] } ?? [:]
            let sweptAt = (last["swept_at"] as? String).flatMap { try? Date($0, strategy: .iso8601) }
            if let sweptAt, sweptAt > date {
                let ofClosed = (last["findings"] as? [[String: Any]] ?? [])
                    .filter { numbers.contains(($0["environment"] as? [String: Any])?["pr"] as? String ?? "") }
                deleted.formUnion(ofClosed.filter { $0["outcome"] as? String == "deleted" }.compactMap { $0["resource"] as? String })
                if deleted.count >= prs.count * 4, ofClosed.allSatisfy({ $0["outcome"] as? String == "deleted" }) { return (deleted.count, last) }
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw ServeHarness.Timeout(description: "no sweep deleted the orphans of \(prs); last /api/orphans: \(last)\nserve log:\n\(serve.logTail())")
    }

    func seconds(_ end: Date, _ start: Date) -> String { String(format: "%.1f", end.timeIntervalSince(start)) }
}
