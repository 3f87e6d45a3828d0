import Blueprint
import Foundation
import GitHub
import LogCapture
import Logging
import Orchestrator
import Providers
import SeededRandom
import Testing

@testable import Supervisor

/// AWS's error texts as AWS words them (the stack ARN is the one in
/// shared/fixtures/aws-responses/cloudformation/DescribeStackEvents.response.xml).
enum AWSTexts {
    static let account = "123456789012"
    static let stackARN = "arn:aws:cloudformation:us-east-1:123456789012:stack/SampleStack/12a3b456-0e10-4ce0-9052-5d484a8c4e5b"
    static let accessDenied = "AccessDenied: User: arn:aws:sts::123456789012:assumed-role/prenv-runner/prenv is not authorized to perform: "
        + "cloudformation:CreateStack on resource: \(stackARN) because no identity-based policy allows the cloudformation:CreateStack action"
    static let invalidKey = "InvalidClientTokenId: The security token included in the request is invalid. (key AKIAIOSFODNN7EXAMPLE)"
    static let buildLog = "build printed AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY and ASIAJEXAMPLEXEG2JICE"
}

@Suite struct RedactionTests {
    @Test func accountIdsInARNsAndBareAreMasked() {
        let masked = Redaction.masked(AWSTexts.accessDenied)
        #expect(!masked.contains(AWSTexts.account))
        #expect(masked.contains("arn:aws:sts::<account>:assumed-role/prenv-runner/prenv"))
        #expect(masked.contains("arn:aws:cloudformation:us-east-1:<account>:stack/SampleStack/12a3b456-0e10-4ce0-9052-5d484a8c4e5b"))
        #expect(Redaction.masked("account 123456789012 has no bucket") == "account <account> has no bucket")
    }

    @Test func accessKeyIdsAndSecretShapedStringsAreMasked() {
        #expect(Redaction.masked(AWSTexts.invalidKey).hasSuffix("(key <access-key>)"))
        #expect(Redaction.masked(AWSTexts.buildLog) == "build printed AWS_SECRET_ACCESS_KEY=<secret> and <access-key>")
    }

    /// The shortcut (no run of 12 key-alphabet characters: nothing to mask) answers as the
    /// expressions do, at the lengths around each pattern's edge and on random texts drawn mostly
    /// from the characters the patterns care about.
    @Test func theShortcutAnswersAsTheExpressionsDo() {
        var texts = [AWSTexts.accessDenied, AWSTexts.invalidKey, AWSTexts.buildLog, AWSTexts.stackARN, "", "prenv-web-pr-7",
                     "s3://prenv-artifacts/web/pr-7/", "Environment ready: 4 resources", "ünïcödé 12345678901２ ｸ"]
        for length in [11, 12, 13, 19, 20, 21, 39, 40, 41] {
            for alphabet in ["0123456789", "AKIA0123456789ABCDEFGHIJ", "abcXYZ/+09"] {
                let run = String((0..<length).map { alphabet[alphabet.index(alphabet.startIndex, offsetBy: $0 % alphabet.count)] })
                texts += [run, "x-" + run + "-y", "AKIA" + run, ":" + run + ":"]
            }
        }
        var random = SplitMix64(seed: 17)
        let alphabet = Array("0123456789AKIASIAabcdefXYZ/+=-: é")
        for _ in 0..<3_000 {
            texts.append(String((0..<Int(random.next() % 60)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }))
        }
        for text in texts {
            #expect(Redaction.masked(text) == Redaction.maskedByExpressions(text), "\(text)")
        }
        #expect(!Redaction.mayNeedMasking("prenv-web-pr-7 ready at 0123456789a"), "runs of 11 at most")
        #expect(Redaction.mayNeedMasking("account 123456789012"))
    }

    @Test func commitSHAsLongerNumbersAndPlainTextAreKept() {
        let text = "ValidationError: Stack with id MyStack does not exist at 0123456789abcdef0123456789abcdef01234567, t=1714560000123"
        #expect(Redaction.masked(text) == text)
    }
}

@Suite struct NarratorMaskingTests {
    /// Narrates `events` and returns what GitHub was sent and what was logged.
    static func narrate(_ body: (StatusNarrator) -> Void) async -> (posted: [CommitStatus], log: [String]) {
        let poster = RecordingStatusPoster()
        let reporter = StatusReporter(poster: poster, configuration: .unlimited)  // what is written, not when: the budget has its own tests
        let run = Task { await reporter.run() }
        let lines = CapturedLogs()
        let narrator = StatusNarrator(reporter: reporter, repository: "acme/webapp", sha: SupervisorFixtures.shaA, blueprint: "preview",
                                      logger: lines.logger())
        body(narrator)
        reporter.finish()
        await run.value
        return (await poster.posted.map(\.status), lines.all)
    }

    @Test func aFailureStatusMasksAWSAccountAndKeysAndTheLogKeepsTheFullText() async {
        let error = ProvisionError(node: "site", phase: .create, underlying: FakeAWSError(message: AWSTexts.accessDenied))
        let (posted, log) = await Self.narrate { narrator in
            narrator.progress(.failed(node: "site", action: .create, error: error, duration: .seconds(1)))
            narrator.environment(.failure, "Provisioning failed: \(AWSTexts.invalidKey)")
        }
        #expect(posted.count == 2)
        for status in posted {
            let description = status.description ?? ""
            #expect(!description.contains(AWSTexts.account) && !description.contains("AKIAIOSFODNN7EXAMPLE"), "\(description)")
        }
        #expect(posted.first?.description?.hasPrefix("create failed: AccessDenied: User: arn:aws:sts::<account>:assumed-role") == true)
        #expect(log.count == 2)
        #expect(log.first?.contains(AWSTexts.accessDenied) == true, "the operator reads the full text: \(log)")
    }

    @Test func aKeyAtTheLengthCutIsMaskedBeforeTheCut() async {
        let filler = String(repeating: "x", count: 125) + " "
        let (posted, _) = await Self.narrate { $0.environment(.failure, filler + "AKIAIOSFODNN7EXAMPLE trailing words") }
        let description = posted.first?.description ?? ""
        #expect(!description.contains("AKIA"), "\(description)")
        #expect(description.contains("<access-key>"))
    }

    @Test func aStageSummaryIsMaskedToo() async {
        let update = StageProgress(node: "pipeline", stage: "Deploy", status: "Failed", summary: AWSTexts.buildLog, executionID: "0123456789")
        let (posted, _) = await Self.narrate { $0.stage(update) }
        #expect(posted.first?.description == "build printed AWS_SECRET_ACCESS_KEY=<secret> and <access-key>")
    }
}

@Suite struct EnvironmentsReportMaskingTests {
    @Test func errorsOutputsReasonsAndPhysicalNamesAreMasked() throws {
        let key = EnvironmentKey(repository: "acme/webapp", pr: 7, blueprint: "preview")
        let node = NodeRecord(id: "site", type: "aws/cloudformation-stack", status: .failed, outputs: ["StackId": AWSTexts.stackARN],
                              physicalName: AWSTexts.stackARN, lastError: AWSTexts.accessDenied, updatedAt: Date())
        let record = EnvironmentRecord(key: key, envName: "preview-pr7", headSHA: SupervisorFixtures.shaA,
                                       state: .failed(sha: SupervisorFixtures.shaA, reason: AWSTexts.invalidKey), nodes: ["site": node], updatedAt: Date())
        let json = String(decoding: try EnvironmentsReport(records: [record], workers: []).json(), as: UTF8.self)
        #expect(!json.contains(AWSTexts.account) && !json.contains("AKIAIOSFODNN7EXAMPLE"), "\(json)")
        #expect(json.contains("<account>") && json.contains("<access-key>"))
        #expect(json.contains(SupervisorFixtures.shaA), "the head SHA is not a secret and stays")
    }
}

@Suite struct StatusLinkTests {
    static let yaml = """
        name: preview
        on: { repositories: ["acme/*"] }
        resources:
          site:
            type: aws/s3-prefix
            properties: { bucket: acme-previews, prefix: "pr-${pr.number}/" }
        status:
          target_url: "${site.outputs.uri}.evil.com/${pr.head.ref}"
        """

    static let context = PRContext(owner: "acme", repository: "webapp", number: 7, headSHA: SupervisorFixtures.shaA,
                                   headRef: "feature/x", baseRef: "main", author: "octocat")

    @Test func aLinkLeadingToAnotherHostIsDroppedWithAWarning() throws {
        let blueprint = try BlueprintLoader.parse(yaml: Self.yaml, file: "preview.yaml", kinds: ProviderKind.all.resourceKinds)
        let lines = CapturedLogs()
        let url = EnvironmentSupervisor.targetURL(blueprint: blueprint, context: Self.context,
                                                  outputs: ["site": ["uri": "https://acme.example.com"]], logger: lines.logger())
        #expect(url == nil)
        #expect(lines.all.count == 1)
        #expect(lines.all.first?.hasPrefix("warning status link dropped") == true, "\(lines.all)")
    }

    @Test func aLinkOnTheFixedHostIsKeptWithoutWarning() throws {
        let blueprint = try BlueprintLoader.parse(yaml: Self.yaml.replacingOccurrences(of: ".evil.com", with: ""), file: "preview.yaml",
                                                  kinds: ProviderKind.all.resourceKinds)
        let lines = CapturedLogs()
        let url = EnvironmentSupervisor.targetURL(blueprint: blueprint, context: Self.context,
                                                  outputs: ["site": ["uri": "https://acme.example.com"]], logger: lines.logger())
        #expect(url?.absoluteString == "https://acme.example.com/feature%2Fx")
        #expect(lines.all.isEmpty)
    }
}
