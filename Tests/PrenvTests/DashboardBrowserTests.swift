import Foundation
import LocalAWSSupport
import Testing
import WebhookSupport

/// The dashboard as a person sees it: `prenv serve` (the built binary, the local AWS endpoint, the
/// GitHub stand-in) takes two pull requests, one of them from a branch named to attack the page
/// whose pipeline's Build stage fails; headless Chromium then loads the pages, and the checks read
/// the DOM it built (`--dump-dom`), not the HTML prenv sent. Screenshots of both pages are saved
/// (`PRENV_TEST_ARTIFACTS`, else a temporary folder; the path is printed).
@Suite struct DashboardBrowserTests {
    let failing = 4711
    let passing = 4712
    let sha1 = String(repeating: "5", count: 40)
    let sha2 = String(repeating: "6", count: 40)
    static let reason = "unit tests failed: 3 of 120"

    /// A branch name Git and GitHub accept (no space, control character, `~^:?*[\`, `..` or `@{`;
    /// no component over 255 bytes), 300 characters long, with markup, both quotes and a
    /// right-to-left override in it.
    static let hostileBranch: String = {
        let head = "fix/<script>alert(1)</script>\"'\u{202E}txt.exe"
        let tail = 300 - head.count - 2
        return head + "/" + String(repeating: "y", count: tail / 2) + "/" + String(repeating: "y", count: tail - tail / 2)
    }()

    @Test func aFailedStageAndAHostileBranchAsAPersonSeesThem() async throws {
        let started = Date()
        let chromium = try Chromium.require()
        let serve = try await ServeHarness("sv-dash")
        defer { serve.stop() }
        try await LocalAWS.admin("POST", "/_prenv/codepipeline/fail-stage", [
            "pipeline": serve.envName(pr: failing), "stage": "Build", "message": Self.reason,
        ])
        let hostile = PullRequestPayload(action: "opened", number: failing, headSHA: sha1, headRef: Self.hostileBranch,
                                         updatedAt: WebhookFixtures.timestamp(0))
        let accepted = try await serve.send(hostile)
        #expect(accepted.status == 202, "\(accepted)")
        try await serve.send(PullRequestPayload(action: "opened", number: passing, headSHA: sha2, updatedAt: WebhookFixtures.timestamp(0)))
        try await serve.waitFor(pr: failing, state: "failed", sha: sha1)
        try await serve.waitFor(pr: passing, state: "ready", sha: sha2)

        let lifecycle = Date().timeIntervalSince(started)
        let artifacts = try Chromium.artifactsFolder()
        let listURL = try #require(URL(string: "\(serve.url.absoluteString)/"))
        let pageURL = URL(string: "\(serve.url.absoluteString)/environments/acme/webapp/\(failing)/webapp")

        // The list: both environments, the failed one's row with its links; the branch as text.
        let list = try await chromium.dumpDOM(listURL)
        let rows = list.components(separatedBy: "<tr class=\"environment ").dropFirst()
        #expect(rows.count == 2, "two environment rows: \(list)")
        let failedRow = try #require(rows.first { $0.contains("/environments/acme/webapp/\(failing)/webapp") }, "\(list)")
        #expect(failedRow.hasPrefix("failed\" data-state=\"failed\""), "\(failedRow)")
        #expect(failedRow.contains("href=\"https://github.com/acme/webapp/pull/\(failing)\""))
        #expect(failedRow.contains(String(sha1.prefix(12))))
        let passingRow = try #require(rows.first { $0.contains("/environments/acme/webapp/\(passing)/webapp") })
        #expect(passingRow.hasPrefix("done\" data-state=\"ready\""), "\(passingRow)")
        #expect(passingRow.contains("s3-website"), "the preview link: \(passingRow)")
        Self.expectInert(list)

        // The failed environment's page.
        let page = try await chromium.dumpDOM(try #require(pageURL))
        let svg = try #require(Self.between(page, "<svg id=\"graph\"", "</svg>"), "no graph: \(page)")
        let nodes = svg.components(separatedBy: "<g class=\"node ").dropFirst()
        #expect(nodes.count == 4, "four nodes: \(svg)")
        #expect(nodes.map { String($0.prefix { $0 != "\"" }) }.sorted() == ["done", "done", "failed", "gone"], "\(svg)")
        let pipeline = try #require(nodes.first { $0.contains("data-node=\"pipeline\"") })
        #expect(pipeline.hasPrefix("failed\"") && pipeline.contains("fill=\"#f8d0d0\" stroke=\"#c62828\""), "red: \(pipeline)")
        #expect(svg.components(separatedBy: "<path class=\"edge\"").count - 1 == 4, "four edges: \(svg)")
        let build = try #require(Self.between(page, "data-stage=\"Build\"", "</tr>"), "no Build stage row: \(page)")
        #expect(build.contains("data-state=\"Failed\"") && build.contains("badge failed") && build.contains(Self.reason), "\(build)")
        let lastError = try #require(Self.between(page, "id=\"last-error\"", "</pre>"))
        #expect(lastError.contains("Failed in stage Build (action Build): \(Self.reason)"), "\(lastError)")
        let branch = try #require(Self.between(page, "id=\"branch\">", "</dd>"))
        #expect(branch.hasPrefix("fix/&lt;script&gt;alert(1)&lt;/script&gt;\"'\\u{202e}txt.exe/yyy"), "the branch as text: \(branch)")
        #expect(Self.hostileBranch.count == 300)
        #expect(branch.hasSuffix("…"), "cut for display")
        #expect(page.contains("pull_request opened (delivery "), "the webhook among the recent events")
        Self.expectInert(page)

        let listShot = artifacts.appendingPathComponent("dashboard-list.png")
        let pageShot = artifacts.appendingPathComponent("dashboard-environment.png")
        try await chromium.screenshot(listURL, to: listShot)
        try await chromium.screenshot(try #require(pageURL), to: pageShot)
        for shot in [listShot, pageShot] {
            let data = try Data(contentsOf: shot)
            #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47]) && data.count > 10_000, "\(shot.path): \(data.count) bytes")
        }
        print("dashboard browser test: screenshots \(listShot.path) and \(pageShot.path); took \(Int(Date().timeIntervalSince(started).rounded())) s (\(Int(lifecycle.rounded())) s to both final states, \(Int((Date().timeIntervalSince(started) - lifecycle).rounded())) s in Chromium)")
    }

    /// Nothing the PR wrote became an element or was applied as a direction override.
    static func expectInert(_ dom: String) {
        #expect(!dom.lowercased().contains("<script"), "an injected script element")
        #expect(!dom.lowercased().contains("<img"), "an injected element")
        #expect(!dom.contains("\u{202E}"), "the override is shown, not applied")
        #expect(dom.contains("fix/&lt;script&gt;alert(1)&lt;/script&gt;\"'\\u{202e}"), "the hostile branch as text")
    }

    static func between(_ text: String, _ start: String, _ end: String) -> String? {
        guard let from = text.range(of: start), let to = text[from.upperBound...].range(of: end) else { return nil }
        return String(text[from.upperBound..<to.lowerBound])
    }
}

/// Headless Chromium from the distribution (`infra/deps.sh` installs it), run the way the issue
/// asks: `--headless=new --no-sandbox --disable-gpu`, each run in a fresh profile, on a thread of its
/// own (never blocking one of the two cooperative threads), under `timeout`, so a hung browser
/// fails the test instead of stalling the run.
struct Chromium {
    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    let path: String
    static let seconds = 60

    /// The browser, or a failure that says how to install it: this test never skips.
    static func require() throws -> Chromium {
        let path = ProcessInfo.processInfo.environment["PRENV_CHROMIUM"] ?? "/usr/bin/chromium"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Failed(description: "no Chromium at \(path): run infra/deps.sh (apt-get install --no-install-recommends chromium fonts-dejavu-core), or set PRENV_CHROMIUM")
        }
        return Chromium(path: path)
    }

    /// Where screenshots go: `PRENV_TEST_ARTIFACTS`, else a new temporary folder.
    static func artifactsFolder() throws -> URL {
        let folder = ProcessInfo.processInfo.environment["PRENV_TEST_ARTIFACTS"].map(URL.init(fileURLWithPath:))
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("prenv-dashboard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// The DOM Chromium built from the page, serialised.
    func dumpDOM(_ url: URL) async throws -> String {
        try await run(["--dump-dom", url.absoluteString])
    }

    func screenshot(_ url: URL, to file: URL) async throws {
        _ = try await run(["--screenshot=\(file.path)", "--window-size=1280,900", "--hide-scrollbars", url.absoluteString])
        guard FileManager.default.fileExists(atPath: file.path) else { throw Failed(description: "Chromium wrote no screenshot at \(file.path)") }
    }

    private func run(_ arguments: [String]) async throws -> String {
        let path = path
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try Self.runBlocking(path, arguments) })
            }
        }
    }

    /// Through `sh` with the output and exit status in files, polled (as `PostgresServer` does:
    /// Foundation's `waitUntilExit` was seen to hang on an exited child here).
    private static func runBlocking(_ path: String, _ arguments: [String]) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (output, errors, status) = (folder.appendingPathComponent("out"), folder.appendingPathComponent("err"), folder.appendingPathComponent("rc"))
        let flags = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                     "--disable-dev-shm-usage", "--user-data-dir=\(folder.appendingPathComponent("profile").path)"]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "timeout -k 5 \(seconds) \"$@\" >'\(output.path)' 2>'\(errors.path)' </dev/null; echo $? >'\(status.path).tmp'; mv '\(status.path).tmp' '\(status.path)'",
                             "sh", path] + flags + arguments
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": folder.path, "LANG": "C.UTF-8"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(Double(seconds + 15))
        var code: Int32?
        while code == nil, Date() < deadline {
            code = (try? String(contentsOf: status, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if code == nil { usleep(50_000) }
        }
        let stderr = ((try? String(contentsOf: errors, encoding: .utf8)) ?? "").suffix(2_000)
        guard let code else { throw Failed(description: "Chromium did not finish within \(seconds + 15) s: \(arguments)\n\(stderr)") }
        guard code == 0 else {
            throw Failed(description: code == 124 ? "Chromium timed out after \(seconds) s: \(arguments)\n\(stderr)" : "Chromium exited \(code): \(arguments)\n\(stderr)")
        }
        return (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    }
}
