import AWSCore
import AWSServices
import Foundation
import LocalAWSSupport
import Testing

/// Issue 11's lost-state case through the real binary against the local AWS endpoint: five live
/// environments whose state database is deleted, then `prenv gc` from an empty state. It must find
/// all five (every resource kind), delete them with `--apply`, and leave alone a second instance's
/// environment, the account's templates, and a sixth environment of this instance made seconds ago.
/// What is left is counted by listing and tags (`TaggedResources`), never by prenv's own discovery.
@Suite struct GCEndToEndTests {
    let templates = LocalTemplates("gc")
    let accessKey = LocalAWS.uniqueAccessKey()
    /// Instance names of this run's own: the endpoint is shared by parallel tests, and instance
    /// scoping is what keeps one run's scan off another's resources.
    let instanceA = LocalAWS.uniqueName("gc-a")
    let instanceB = LocalAWS.uniqueName("gc-b")
    var client: AWSClient { templates.client }
    /// A repository of this run's own: `env.name` hashes it, so no other test's environment shares a name.
    var repository: String { "acme/\(templates.suffix)" }
    var repositoryName: String { templates.suffix }

    /// `--older-than`: long enough for PR 6's `up` and the gc runs that must still see it as young,
    /// on a loaded machine; the five old environments are waited on until they are older.
    /// (60 s was outlasted once: PR 6 was 68 s old at the second dry run of a full CI run.)
    static let olderThan: TimeInterval = 120
    static let nodes = ["artifacts", "build", "pipeline", "site"]

    /// One environment as `prenv up` reported it.
    struct Made {
        var pr: Int
        var envName: String
        /// Node id → the outputs `up` printed for it.
        var outputs: [String: [String: String]]

        /// The identifiers a discovery reports, from `up`'s outputs: the prefix's `s3://` URI, the
        /// project's and pipeline's ARNs, the stack's id.
        func identifiers() throws -> Set<String> {
            [
                try #require(outputs["artifacts"]?["uri"]), try #require(outputs["build"]?["arn"]),
                try #require(outputs["pipeline"]?["arn"]), try #require(outputs["site"]?["stack_id"]),
            ]
        }
    }

    /// `prenv gc --format json`, as printed.
    struct Report: Decodable {
        struct Environment: Decodable {
            var repository: String?
            var pr: String?
            var blueprint: String?
            var env: String?
            var node: String?
        }

        struct Finding: Decodable {
            var resource: String
            var type: String
            var reason: String
            var environment: Environment
            var ageSeconds: Int?
            var outcome: String
            var detail: String?

            enum CodingKeys: String, CodingKey {
                case resource, type, reason, environment, outcome, detail
                case ageSeconds = "age_seconds"
            }
        }

        struct Problem: Decodable {
            var source: String
            var message: String
        }

        var applied: Bool
        var olderThanSeconds: Int?
        var scanned: [String: Int]
        var findings: [Finding]
        var errors: [Problem]

        enum CodingKeys: String, CodingKey {
            case applied, scanned, findings, errors
            case olderThanSeconds = "older_than_seconds"
        }

        func resources(outcome: String) -> Set<String> { Set(findings.filter { $0.outcome == outcome }.map(\.resource)) }
    }

    /// One gc run's figures, for the closing note.
    struct Timing: CustomStringConvertible {
        var run: String
        var seconds: Double
        var awsCalls: Int
        var summary: String
        var description: String { "\(run): \(String(format: "%.1f", seconds)) s, \(awsCalls) AWS calls, \(summary)" }
    }

    func prenv(_ arguments: [String], state: URL, instance: String, accessKey: String? = nil) async throws -> PrenvBinary.Result {
        try await PrenvBinary.run(arguments + ["--state", "sqlite:\(state.path)"], environment: PrenvBinary.isolatedEnvironment([
            "AWS_ACCESS_KEY_ID": accessKey ?? self.accessKey, "AWS_SECRET_ACCESS_KEY": "gc-e2e-secret", "AWS_REGION": LocalAWS.region,
            "AWS_ENDPOINT_URL": LocalAWS.endpoint.absoluteString, "PRENV_INSTANCE": instance,
        ]))
    }

    func up(pr: Int, blueprint: URL, state: URL, instance: String) async throws -> Made {
        let result = try await prenv(
            ["up", "--blueprint", blueprint.path, "--repo", repository, "--pr", String(pr), "--head-ref", "feature/gc-\(pr)",
             "--sha", String(repeating: String(pr % 10), count: 40), "--poll-interval", "0.05"],
            state: state, instance: instance)
        try #require(result.status == 0, "up of PR \(pr) failed:\n\(result.output)")
        #expect(result.output.contains("prenv instance: \(instance) (from PRENV_INSTANCE)"), "\(result.output)")
        let made = try Self.parseUp(result.output, pr: pr)
        try #require(Set(made.outputs.keys) == Set(Self.nodes), "up reports every node: \(result.output)")
        return made
    }

    /// Runs `prenv gc` with instance A on `state`, under an access key of its own so the endpoint
    /// can count the run's AWS calls.
    func gc(_ arguments: [String], state: URL, blueprints: URL, label: String) async throws -> (result: PrenvBinary.Result, seconds: Double, calls: Int) {
        let key = LocalAWS.uniqueAccessKey()
        let started = ContinuousClock.now
        // `--state-lost`: the state file is gone on purpose (without it gc refuses a missing state).
        let result = try await prenv(["gc", "--state-lost", "--blueprints", blueprints.path, "--poll-interval", "0.05"] + arguments,
                                     state: state, instance: instanceA, accessKey: key)
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let calls = try await LocalAWS.callCounts(accessKey: key).values.reduce(0, +)
        print("prenv gc \(arguments.joined(separator: " ")) [\(label)] exited \(result.status) after \(String(format: "%.1f", seconds)) s:\n\(result.output)")
        return (result, seconds, calls)
    }

    @Test func lostStateThenGCRemovesTheOldOrphansOnlyAndSparesTheYoung() async throws {
        try await LocalAWS.requireRunning()
        try await templates.seed()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-gc-e2e-\(templates.suffix)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let blueprints = directory.appendingPathComponent("blueprints")
        let blueprint = try templates.writeBlueprint(in: blueprints)
        let lostState = directory.appendingPathComponent("a/state.sqlite")
        let otherState = directory.appendingPathComponent("b/state.sqlite")
        let youngState = directory.appendingPathComponent("young/state.sqlite")
        let olderThan = "\(Int(Self.olderThan))s"
        var timings: [Timing] = []

        // 1. Five environments of instance A, one of instance B (same blueprint and bucket).
        let upClock = ContinuousClock.now
        var old: [Made] = []
        for pr in 1...5 { old.append(try await up(pr: pr, blueprint: blueprint, state: lostState, instance: instanceA)) }
        let fiveUp = Date()  // every resource of the five was made before this
        let upSeconds = (ContinuousClock.now - upClock).components.seconds
        let other = try await up(pr: 7, blueprint: blueprint, state: otherState, instance: instanceB)
        let oldIdentifiers = try old.reduce(into: Set<String>()) { $0.formUnion(try $1.identifiers()) }
        #expect(oldIdentifiers.count == 20, "five environments of four resources each: \(oldIdentifiers)")

        // 2. The state is lost. Once the five are older than --older-than, PR 6 is made with a state
        // that is lost at once too: record-less, but young.
        try Self.removeDatabase(lostState)
        let waitUntil = fiveUp.addingTimeInterval(Self.olderThan + 1)
        if waitUntil > Date() { try await Task.sleep(for: .seconds(waitUntil.timeIntervalSinceNow)) }
        let youngStart = Date()
        let young = try await up(pr: 6, blueprint: blueprint, state: youngState, instance: instanceA)
        try Self.removeDatabase(youngState)
        let youngIdentifiers = try young.identifiers()
        let otherIdentifiers = try other.identifiers()
        // How old PR 6 is, for the failures that would come from a machine too slow to keep it young.
        let youngNote = { "PR 6 made \(Int(Date().timeIntervalSince(youngStart))) s ago; --older-than is \(olderThan)" }

        // 3. A dry run from an empty state: exactly the five old environments' resources, PR 6's spared as too young.
        let dry = try await gc(["--older-than", olderThan, "--format", "json"], state: lostState, blueprints: blueprints, label: "dry run")
        #expect(dry.result.status == 3, "orphans found in a dry run exit 3:\n\(dry.result.output)")
        let found = try Self.report(dry.result.output)
        #expect(!found.applied && found.errors.isEmpty && found.olderThanSeconds == Int(Self.olderThan), "\(dry.result.output)")
        #expect(found.resources(outcome: "found") == oldIdentifiers, "the five environments' resources, every kind:\n\(dry.result.output)")
        #expect(found.resources(outcome: "spared") == youngIdentifiers, "PR 6's resources, spared (\(youngNote())):\n\(dry.result.output)")
        #expect(found.findings.count == 24, "\(dry.result.output)")
        for finding in found.findings {
            #expect(finding.reason == "no-environment", "\(finding)")
            #expect(finding.environment.repository == repository && finding.environment.blueprint == "webapp", "\(finding)")
            #expect(!otherIdentifiers.contains(finding.resource) && finding.environment.env != other.envName, "instance B's: \(finding)")
            #expect(!finding.resource.contains("\(templates.suffix)-build-template") && !finding.resource.hasSuffix(":\(templates.suffix)-main"),
                    "a template: \(finding)")
            if finding.outcome == "spared" {
                #expect(finding.detail == "too young" && finding.environment.pr == "6", "\(finding)")
                #expect((finding.ageSeconds ?? Int.max) < Int(Self.olderThan), "\(finding)")
            } else {
                #expect((finding.ageSeconds ?? 0) >= Int(Self.olderThan), "\(finding)")
                #expect(old.contains { $0.envName == finding.environment.env && String($0.pr) == finding.environment.pr }, "\(finding)")
            }
        }
        let byType = Dictionary(grouping: found.findings.filter { $0.outcome == "found" }, by: \.type).mapValues(\.count)
        #expect(byType == ["aws/s3-prefix": 5, "aws/codebuild-project": 5, "aws/codepipeline": 5, "aws/cloudformation-stack": 5], "\(byType)")
        #expect(found.scanned == ["aws/s3-prefix": 6, "aws/codebuild-project": 6, "aws/codepipeline": 6, "aws/cloudformation-stack": 6],
                "instance A's resources only: \(found.scanned)")
        timings.append(Timing(run: "dry run (json)", seconds: dry.seconds, awsCalls: dry.calls, summary: "24 scanned, 20 orphans, 4 too young"))

        // The table says the same.
        let table = try await gc(["--older-than", olderThan], state: lostState, blueprints: blueprints, label: "dry run, table")
        #expect(table.result.status == 3, "\(table.result.output)")
        #expect(table.result.output.contains("RESOURCE") && table.result.output.contains("REASON"), "\(table.result.output)")
        #expect(table.result.output.contains("20 orphaned resource(s) of 24 scanned, 4 more too young to judge; run `prenv gc --apply`"),
                "\(table.result.output)")
        for identifier in oldIdentifiers.union(youngIdentifiers) { #expect(table.result.output.contains(identifier), "\(identifier) not in the table") }
        #expect(table.result.output.components(separatedBy: "no environment recorded (spared: too young)").count - 1 == 4, "\(table.result.output)")
        #expect(table.result.output.components(separatedBy: "no environment recorded").count - 1 == 24, "\(table.result.output)")
        timings.append(Timing(run: "dry run (table)", seconds: table.seconds, awsCalls: table.calls, summary: "same findings"))

        // 4. --apply deletes the twenty and nothing else.
        let apply = try await gc(["--apply", "--older-than", olderThan, "--format", "json"], state: lostState, blueprints: blueprints, label: "apply")
        #expect(apply.result.status == 0, "every orphan deleted exits 0:\n\(apply.result.output)")
        let applied = try Self.report(apply.result.output)
        #expect(applied.applied && applied.errors.isEmpty, "\(apply.result.output)")
        #expect(applied.resources(outcome: "deleted") == oldIdentifiers, "\(apply.result.output)")
        #expect(applied.resources(outcome: "spared") == youngIdentifiers, "PR 6 spared (\(youngNote())):\n\(apply.result.output)")
        #expect(applied.findings.count == 24, "\(apply.result.output)")
        timings.append(Timing(run: "apply", seconds: apply.seconds, awsCalls: apply.calls,
                              summary: "\(applied.resources(outcome: "deleted").count) deleted, \(applied.resources(outcome: "spared").count) spared"))

        // An independent look, by listing and tags: nothing of the five is left…
        let bucket = templates.bucket
        for made in old {
            let left = try await TaggedResources.find(envName: made.envName, client: client)
            #expect(left.isEmpty, "PR \(made.pr) left behind: \(left)")
            let markers = try await TaggedResources.markers(in: bucket, tag: "prenv:env", value: made.envName, client: client)
            #expect(markers.isEmpty, "PR \(made.pr)'s marker left behind: \(markers.keys.sorted())")
            let objects = try await S3(client: client).listObjectsV2(bucket: bucket, prefix: "\(repositoryName)/pr-\(made.pr)/")
            #expect(objects.isEmpty, "PR \(made.pr)'s prefix still holds \(objects.map(\.key))")
        }
        // …while instance B's environment, PR 6's and the templates are all there.
        for made in [other, young] {
            let kept = try await TaggedResources.find(envName: made.envName, client: client)
            #expect(kept.projects.count == 1 && kept.pipelines.count == 1 && kept.stacks.count == 1, "PR \(made.pr): \(kept)")
            let markers = try await TaggedResources.markers(in: bucket, tag: "prenv:env", value: made.envName, client: client)
            #expect(markers.keys.sorted() == ["\(repositoryName)/pr-\(made.pr)/.prenv-environment.json"], "PR \(made.pr): \(markers)")
        }
        let instanceALeft = try await TaggedResources.find(tag: "prenv:instance", value: instanceA, client: client)
        #expect(instanceALeft.projects == [young.outputs["build"]?["name"] ?? "?"] && instanceALeft.pipelines == [young.envName]
                && instanceALeft.stacks.count == 1, "only PR 6 is left of instance A: \(instanceALeft)")
        try await expectTemplatesUntouched()

        // A second dry run: PR 6 is still too young, so there is no orphan.
        let again = try await gc(["--older-than", olderThan, "--format", "json"], state: lostState, blueprints: blueprints, label: "second dry run")
        #expect(again.result.status == 0, "no orphan left (\(youngNote())):\n\(again.result.output)")
        let second = try Self.report(again.result.output)
        #expect(second.resources(outcome: "found").isEmpty && second.resources(outcome: "spared") == youngIdentifiers, "\(again.result.output)")
        #expect(second.findings.allSatisfy { $0.detail == "too young" }, "\(again.result.output)")
        timings.append(Timing(run: "second dry run", seconds: again.seconds, awsCalls: again.calls, summary: "4 scanned, 0 orphans, 4 too young"))
        // The table lists them as spared and does not suggest an --apply that would delete nothing.
        let againTable = try await gc(["--older-than", olderThan], state: lostState, blueprints: blueprints, label: "second dry run, table")
        #expect(againTable.result.status == 0, "\(againTable.result.output)")
        #expect(againTable.result.output.components(separatedBy: "no environment recorded (spared: too young)").count - 1 == 4,
                "\(againTable.result.output)")
        #expect(againTable.result.output.hasSuffix("0 orphaned resource(s) of 4 scanned, 4 more too young to judge\n"), "\(againTable.result.output)")
        timings.append(Timing(run: "second dry run (table)", seconds: againTable.seconds, awsCalls: againTable.calls, summary: "same findings"))

        // 5. Age was the only reason PR 6 was left: with --older-than 0s it goes. B's goes by `prenv down`.
        let last = try await gc(["--apply", "--older-than", "0s", "--format", "json"], state: lostState, blueprints: blueprints, label: "apply 0s")
        #expect(last.result.status == 0, "\(last.result.output)")
        let cleared = try Self.report(last.result.output)
        #expect(cleared.resources(outcome: "deleted") == youngIdentifiers && cleared.findings.count == 4, "\(last.result.output)")
        timings.append(Timing(run: "apply --older-than 0s", seconds: last.seconds, awsCalls: last.calls,
                              summary: "\(cleared.resources(outcome: "deleted").count) deleted"))
        let down = try await prenv(["down", "--repo", repository, "--pr", "7", "--poll-interval", "0.05"], state: otherState, instance: instanceB)
        #expect(down.status == 0, "\(down.output)")
        for instance in [instanceA, instanceB] {
            let left = try await TaggedResources.find(tag: "prenv:instance", value: instance, client: client)
            #expect(left.isEmpty, "\(instance) left behind: \(left)")
            let markers = try await TaggedResources.markers(in: bucket, tag: "prenv:instance", value: instance, client: client)
            #expect(markers.isEmpty, "\(instance) left markers: \(markers.keys.sorted())")
        }
        try await expectTemplatesUntouched()

        print("gc end-to-end figures: 6 environments of 4 resources up (5 of instance A in \(upSeconds) s), --older-than \(olderThan)")
        for timing in timings { print("  \(timing)") }
    }

    func expectTemplatesUntouched() async throws {
        #expect(try await CodeBuild(client: client).batchGetProjects(names: ["\(templates.suffix)-build-template"]).projects?.count == 1)
        _ = try await CodePipeline(client: client).getPipeline(name: "\(templates.suffix)-main")
        try await S3(client: client).headBucket(templates.bucket)
    }

    /// The SQLite database and its `-wal`/`-shm` companions, as an operator's mistake would remove them.
    static func removeDatabase(_ url: URL) throws {
        for suffix in ["", "-wal", "-shm"] {
            let file = URL(fileURLWithPath: url.path + suffix)
            if FileManager.default.fileExists(atPath: file.path) { try FileManager.default.removeItem(at: file) }
        }
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }

    /// `up`'s environment name (`up KEY (environment NAME, head …)`) and its `  node: k=v …` output lines.
    static func parseUp(_ output: String, pr: Int) throws -> Made {
        let lines = output.split(separator: "\n").map(String.init)
        let announce = try #require(lines.first { $0.hasPrefix("up ") && $0.contains("(environment ") }, "\(output)")
        let afterName = try #require(announce.range(of: "(environment ")).upperBound
        let envName = String(announce[afterName...].prefix { $0 != "," })
        let upLine = try #require(lines.firstIndex { $0.hasPrefix("environment ") && $0.hasSuffix(" is up") }, "\(output)")
        var outputs: [String: [String: String]] = [:]
        for line in lines[upLine...] where line.hasPrefix("  ") {
            let trimmed = line.dropFirst(2)
            guard let colon = trimmed.firstIndex(of: ":"), nodes.contains(String(trimmed[..<colon])),
                  trimmed[trimmed.index(after: colon)...].hasPrefix(" ") else { continue }
            var values: [String: String] = [:]
            for field in trimmed[trimmed.index(after: colon)...].split(separator: " ") {
                guard let equals = field.firstIndex(of: "=") else { continue }
                values[String(field[..<equals])] = String(field[field.index(after: equals)...])
            }
            outputs[String(trimmed[..<colon])] = values
        }
        return Made(pr: pr, envName: envName, outputs: outputs)
    }

    /// The JSON document on standard output; the instance line (standard error) comes before it.
    static func report(_ output: String) throws -> Report {
        let start = try #require(output.hasPrefix("{") ? output.startIndex : output.range(of: "\n{")?.lowerBound, "no JSON in:\n\(output)")
        let json = output[start...]
        return try JSONDecoder().decode(Report.self, from: Data(json.utf8))
    }
}
