import Foundation
import LocalAWSSupport
import Testing
import WebhookSupport

/// `prenv serve` with `repository_blueprints:`: a repository's `.prenv/preview.yaml` (served by the
/// GitHub stand-in's contents API) provisions its PRs' environments; with `from: head`, a PR whose
/// author may write gets its own `.prenv/`, anyone else's PR the base branch's. The server-side
/// blueprint is pointed elsewhere, so every environment here comes from the repository.
@Suite struct RepositoryBlueprintsEndToEndTests {
    /// The repository's blueprint: a prefix and a build project, plus `extra` more prefixes (a PR
    /// changing its preview adds one, which the environment's resource count shows).
    static func preview(_ templates: LocalTemplates, extra: Int = 0) -> String {
        var text = """
            name: preview
            resources:
              artifacts:
                type: aws/s3-prefix
                properties: { bucket: \(templates.bucket), prefix: "${env.name}/" }
              build:
                type: aws/codebuild-project
                properties:
                  name: "${env.name}-build"
                  template: \(templates.suffix)-build-template
                  source_version: "${pr.head.sha}"
                  environment_variables: { ARTIFACT_URI: "${artifacts.outputs.uri}" }

            """
        for index in 0..<extra {
            text += """
                  notes\(index):
                    type: aws/s3-prefix
                    properties: { bucket: \(templates.bucket), prefix: "${env.name}-notes\(index)/" }

                """
        }
        return text
    }

    static func config(_ templates: LocalTemplates, from: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-repo-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("prenv.yaml")
        try """
            repository_blueprints:
              acme/webapp:
                enabled: true
                from: \(from)
                allow_types: [aws/s3-prefix, aws/codebuild-project]
                allow_templates: ["\(templates.bucket)", "\(templates.suffix)-*"]
            """.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    func harness(_ name: String, from: String) async throws -> ServeHarness {
        let templates = LocalTemplates(name)
        let config = try Self.config(templates, from: from)
        return try await ServeHarness(name, templates: templates, editBlueprint: {
            $0.replacingOccurrences(of: #"repositories: ["acme/*"]"#, with: #"repositories: ["elsewhere/*"]"#)
        }, arguments: ["--config", config.path])
    }

    func setContents(_ serve: ServeHarness, ref: String, _ files: [String: String]) async throws {
        _ = try await serve.standin.admin("contents", ["repository": "acme/webapp", "ref": ref, "files": files])
    }

    func payload(_ action: String, pr: Int, sha: String, author: String, fork: Bool = false, second: Int = 0) -> PullRequestPayload {
        var payload = PullRequestPayload(action: action, number: pr, headSHA: sha, fromFork: fork, updatedAt: WebhookFixtures.timestamp(second))
        payload.author = author
        return payload
    }

    func status(_ serve: ServeHarness, sha: String, context: String) async throws -> (state: String, description: String)? {
        try await serve.statuses(sha: sha).last { $0.context == context }.map { ($0.state, $0.description) }
    }

    @Test func theBaseBranchBlueprintProvisionsAndAWriterChangesOnlyTheirOwnPreview() async throws {
        let serve = try await harness("repo-bp-head", from: "head")
        defer { serve.stop() }
        let writerSHA = String(repeating: "1", count: 40)
        let readerSHA = String(repeating: "2", count: 40)
        let forkSHA = String(repeating: "3", count: 40)
        try await setContents(serve, ref: "main", [".prenv/preview.yaml": Self.preview(serve.templates)])
        for sha in [writerSHA, readerSHA, forkSHA] {
            try await setContents(serve, ref: sha, [".prenv/preview.yaml": Self.preview(serve.templates, extra: 1)])
        }
        try await serve.standin.setRole("write", for: "alice", on: "acme/webapp")
        try await serve.standin.setRole("read", for: "mallory", on: "acme/webapp")

        try await serve.send(payload("opened", pr: 601, sha: writerSHA, author: "alice"))
        try await serve.send(payload("opened", pr: 602, sha: readerSHA, author: "mallory"))
        try await serve.send(payload("opened", pr: 603, sha: forkSHA, author: "alice", fork: true))
        for pr in [601, 602] { try await serve.waitFor(pr: pr, state: "ready") }
        // The fork's PR is read from main (whose blueprint skips forks, the default): no environment.
        try await serve.waitFor(pr: 603, state: "skipped")

        // The writer's PR runs its own .prenv/ (3 resources); the reader's and the fork's run main's (2).
        let writer = try await status(serve, sha: writerSHA, context: "prenv/repo-preview")
        #expect(writer?.state == "success" && writer?.description.contains("3 resources") == true, "\(String(describing: writer))")
        #expect(try await status(serve, sha: writerSHA, context: "prenv/preview.yaml")?.description.contains("head") == true)
        for (sha, why) in [(readerSHA, "may not write"), (forkSHA, "fork")] {
            let summary = try await status(serve, sha: sha, context: "prenv/repo-preview")
            if sha == readerSHA {
                #expect(summary?.state == "success" && summary?.description.contains("2 resources") == true, "\(String(describing: summary))")
            }
            let file = try await status(serve, sha: sha, context: "prenv/preview.yaml")
            #expect(file?.state == "success" && file?.description.contains("from main") == true && file?.description.contains(why) == true,
                    "\(String(describing: file))")
        }
        // Names and tags are the repository blueprint's own: `repo-preview`, never a server-side one's.
        let found = try await TaggedResources.find(envName: serve.envName(pr: 601, blueprint: "repo-preview"), client: serve.templates.client)
        #expect(found.projects.count == 1, "\(found)")

        try await serve.send(payload("closed", pr: 601, sha: writerSHA, author: "alice", second: 5))
        try await serve.waitFor(pr: 601, state: "destroyed")
        let left = try await TaggedResources.find(envName: serve.envName(pr: 601, blueprint: "repo-preview"), client: serve.templates.client)
        #expect(left.projects.isEmpty, "\(left)")
    }

    @Test func anInvalidBlueprintFailsItsFileStatusAndProvisionsNothing() async throws {
        let serve = try await harness("repo-bp-bad", from: "base")
        defer { serve.stop() }
        let sha = String(repeating: "4", count: 40)
        // A template outside allow_templates, and a stack type outside allow_types: two errors.
        let broken = Self.preview(serve.templates).replacingOccurrences(of: "\(serve.templates.suffix)-build-template", with: "production-build")
            + """
              site:
                type: aws/cloudformation-stack
                properties: { stack_name: "${env.name}-site", template_body: "{}" }

            """
        try await setContents(serve, ref: "main", [".prenv/preview.yaml": broken])
        try await serve.send(payload("opened", pr: 611, sha: sha, author: "alice"))
        var file: (state: String, description: String)?
        for _ in 0..<600 {
            file = try await status(serve, sha: sha, context: "prenv/preview.yaml")
            if file != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(file?.state == "failure", "\(String(describing: file))\n\(serve.logTail())")
        #expect(file?.description.hasPrefix(".prenv/preview.yaml:") == true && file?.description.contains("more)") == true,
                "\(String(describing: file))")
        #expect(try await serve.environments()[611] == nil)
        #expect(try await LocalAWS.callCounts(accessKey: serve.accessKey)["codebuild.CreateProject"] == nil)
    }

    @Test func removingTheBlueprintFromTheBaseBranchDestroysTheLiveEnvironmentSayingWhy() async throws {
        let serve = try await harness("repo-bp-gone", from: "base")
        defer { serve.stop() }
        let first = String(repeating: "5", count: 40)
        let second = String(repeating: "6", count: 40)
        try await setContents(serve, ref: "main", [".prenv/preview.yaml": Self.preview(serve.templates)])
        try await serve.send(payload("opened", pr: 621, sha: first, author: "alice"))
        try await serve.waitFor(pr: 621, state: "ready", sha: first)
        let envName = serve.envName(pr: 621, blueprint: "repo-preview")
        #expect(try await TaggedResources.find(envName: envName, client: serve.templates.client).projects.count == 1)

        // No `.prenv` at all decides nothing (GitHub answers 404 alike for a ref it does not know
        // yet): the environment stays as it was, and the new head's check says why.
        let third = String(repeating: "8", count: 40)
        try await setContents(serve, ref: "main", ["README.md": "no previews here"])
        try await serve.send(payload("synchronize", pr: 621, sha: third, author: "alice", second: 3))
        #expect(try await waitForStatus(serve, sha: third, context: "prenv/repo-preview", containing: "Left as it was: no .prenv/ was found") == "error")
        #expect(try await serve.environments()[621]?["state"] as? String == "ready")
        #expect(try await TaggedResources.find(envName: envName, client: serve.templates.client).projects.count == 1)

        // main drops the blueprint (another file stays, so the folder still reads whole); the next event tears down.
        try await setContents(serve, ref: "main", [".prenv/README.md": "previews moved"])
        try await serve.send(payload("synchronize", pr: 621, sha: second, author: "alice", second: 5))
        try await serve.waitFor(pr: 621, state: "skipped")
        let found = try await TaggedResources.find(envName: envName, client: serve.templates.client)
        #expect(found.projects.isEmpty, "\(found)")
        let summary = try await status(serve, sha: second, context: "prenv/repo-preview")
        #expect(summary?.description.contains("no longer defined in .prenv/ at main") == true, "\(String(describing: summary))")
    }

    func push(_ serve: ServeHarness, branch: String = "main", before: String, after: String) async throws -> (status: Int, json: [String: Any]) {
        let body = try PushPayload(ref: "refs/heads/\(branch)", before: before, after: after).json()
        return try await serve.post(body: body, headers: WebhookFixtures.headers(event: "push", body: body, signingSecret: serve.secret))
    }

    func waitForStatus(_ serve: ServeHarness, sha: String, context: String, containing text: String) async throws -> String {
        var last: (state: String, description: String)?
        for _ in 0..<1200 {
            last = try await status(serve, sha: sha, context: context)
            if let last, last.description.contains(text) { return last.state }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("no \(context) status containing \"\(text)\"; last: \(String(describing: last))\n\(serve.logTail())")
        return ""
    }

    @Test func aPushToTheBaseBranchAppliesTheEditedBlueprintThenTearsDownTheRemovedOne() async throws {
        let serve = try await harness("repo-bp-push", from: "base")
        defer { serve.stop() }
        let head = String(repeating: "7", count: 40)
        let (m1, m2, m3) = (String(repeating: "a1", count: 20), String(repeating: "a2", count: 20), String(repeating: "a3", count: 20))
        let original = [".prenv/preview.yaml": Self.preview(serve.templates)]
        let edited = [".prenv/preview.yaml": Self.preview(serve.templates, extra: 1)]
        let removed = [".prenv/README.md": "previews moved"]
        for (ref, files) in [("main", original), (m1, original), (m2, edited), (m3, removed)] { try await setContents(serve, ref: ref, files) }

        // Pushes nobody depends on yet are answered "ignored" and cost nothing on disk.
        let early = try await push(serve, before: m1, after: m2)
        #expect(early.status == 202 && early.json["outcome"] as? String == "ignored", "\(early)")

        try await serve.send(payload("opened", pr: 631, sha: head, author: "alice"))
        try await serve.waitFor(pr: 631, state: "ready", sha: head)
        #expect(try await waitForStatus(serve, sha: head, context: "prenv/repo-preview", containing: "ready: 2 resources") == "success")

        // main gains a resource: the live environment is applied again with it, same head.
        try await setContents(serve, ref: "main", edited)
        let other = try await push(serve, branch: "release", before: m1, after: m2)
        #expect(other.json["outcome"] as? String == "ignored", "a push to another branch: \(other)")
        let edit = try await push(serve, before: m1, after: m2)
        #expect(edit.status == 202 && edit.json["outcome"] as? String == "accepted", "\(edit)")
        #expect(try await waitForStatus(serve, sha: head, context: "prenv/repo-preview", containing: "ready: 3 resources") == "success")

        // main drops the blueprint: torn down, and the status says why.
        try await setContents(serve, ref: "main", removed)
        _ = try await push(serve, before: m2, after: m3)
        try await serve.waitFor(pr: 631, state: "skipped")
        let envName = serve.envName(pr: 631, blueprint: "repo-preview")
        let found = try await TaggedResources.find(envName: envName, client: serve.templates.client)
        #expect(found.projects.isEmpty, "\(found)")
        _ = try await waitForStatus(serve, sha: head, context: "prenv/repo-preview", containing: "no longer defined in .prenv/ at main")
    }
}
