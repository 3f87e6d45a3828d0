import AWSServices
import Foundation
import LocalAWSSupport
import SeededRandom
import Testing
import WebhookSupport

/// `kill -9` at random moments while environments are being provisioned, updated and destroyed;
/// after each kill a new server starts on the same state. Afterwards every environment must have
/// converged: each open PR has exactly one of each resource, each closed PR has nothing left.
/// Set PRENV_CRASH_SEED to replay a run; the seed is printed.
@Suite struct ServeCrashTests {
    enum Phase { case new, open, closed }

    @Test func sigkillAtRandomMomentsConvergesWithNothingOrphanedOrDuplicated() async throws {
        let seed = ProcessInfo.processInfo.environment["PRENV_CRASH_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        var random = SplitMix64(seed: seed)
        let serve = try await ServeHarness("sv-crash")
        defer { serve.stop() }
        let prs = Array(601...608)
        var phase = Dictionary(uniqueKeysWithValues: prs.map { ($0, Phase.new) })
        var sha: [Int: String] = [:]
        var second = 0
        var kills = 0, duringProvisioning = 0, duringTeardown = 0, deliveries = 0

        func send(_ action: String, _ pr: Int) async throws {
            second += 1
            let answer = try await serve.send(PullRequestPayload(action: action, number: pr, headSHA: sha[pr] ?? "", updatedAt: WebhookFixtures.timestamp(second)))
            #expect(answer.status == 202, "\(action) #\(pr): \(answer)")
            deliveries += 1
        }

        func killAtRandom() async throws {
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...1500, using: &random)))
            let states = try await serve.environments().values.compactMap { $0["state"] as? String }
            if states.contains("provisioning") { duringProvisioning += 1 }
            if states.contains("destroying") { duringTeardown += 1 }
            try await serve.killAndRestart()
            kills += 1
        }

        // Random events, each followed by a kill at a random moment.
        while kills < 24 || phase.values.contains(.new) {
            let live = prs.filter { phase[$0] != .closed }
            guard let pr = live.randomElement(using: &random) else { break }
            switch phase[pr] {
            case .new:
                sha[pr] = Self.sha(&random)
                try await send("opened", pr)
                phase[pr] = .open
            case .open where Bool.random(using: &random) && live.count > 3:
                try await send("closed", pr)
                phase[pr] = .closed
            default:
                sha[pr] = Self.sha(&random)
                try await send("synchronize", pr)
            }
            try await killAtRandom()
        }

        // The open ones converge on their newest commit, each resource exactly once.
        for pr in prs where phase[pr] == .open {
            try await serve.waitFor(pr: pr, state: "ready", sha: sha[pr])
            let found = try await TaggedResources.find(envName: serve.envName(pr: pr), client: serve.templates.client)
            #expect(found.projects.count == 1 && found.pipelines.count == 1 && found.stacks.count == 1, "#\(pr) duplicated or missing: \(found)")
        }
        // Close the rest, killing during their teardown too.
        for pr in prs where phase[pr] == .open {
            try await send("closed", pr)
            phase[pr] = .closed
            try await killAtRandom()
        }
        var orphaned: [Int: TaggedResources.Found] = [:]
        for pr in prs {
            try await serve.waitFor(pr: pr, state: "destroyed")
            let left = try await TaggedResources.find(envName: serve.envName(pr: pr), client: serve.templates.client)
            if !left.isEmpty { orphaned[pr] = left }
            #expect(try await S3(client: serve.templates.client).listObjectsV2(bucket: serve.templates.bucket, prefix: "webapp/pr-\(pr)/").isEmpty)
        }
        #expect(orphaned.isEmpty, "orphaned after crashes: \(orphaned)")
        #expect(kills >= 20)
        print("crash test (seed \(seed)): \(kills) SIGKILL trials (\(duringProvisioning) while provisioning, \(duringTeardown) while destroying), "
            + "\(deliveries) deliveries for \(prs.count) PRs; every environment converged, \(orphaned.count) orphaned, 0 duplicated")
    }

    static func sha(_ random: inout SplitMix64) -> String {
        (0..<5).map { _ in String(format: "%08x", UInt32.random(in: 0...UInt32.max, using: &random)) }.joined()
    }
}
