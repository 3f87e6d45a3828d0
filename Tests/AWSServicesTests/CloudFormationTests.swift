import AWSCore
import LocalAWSSupport
import Testing

@testable import AWSServices

/// Every CloudFormation operation prenv uses; stacks pass through *_IN_PROGRESS on the local layer.
@Suite struct CloudFormationTests {
    let cloudFormation = CloudFormation(client: LocalAWS.client())

    static func template(bucketSuffix: String = "") -> String {
        """
        AWSTemplateFormatVersion: "2010-09-09"
        Parameters:
          ArtifactUri:
            Type: String
        Resources:
          Site:
            Type: AWS::S3::Bucket\(bucketSuffix)
        Outputs:
          SiteURL:
            Value: !Sub "https://${Site}.example.com/${ArtifactUri}"
        """
    }

    func waitForTerminal(_ name: String) async throws -> (final: CloudFormation.Stack, seen: Set<String>) {
        var seen: Set<String> = []
        for _ in 0..<200 {
            let stack = try #require(try await cloudFormation.describeStacks(stackName: name).first)
            seen.insert(stack.stackStatus)
            if !stack.stackStatus.hasSuffix("_IN_PROGRESS") { return (stack, seen) }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("stack \(name) never reached a terminal state: \(seen)")
        throw CancellationError()
    }

    func create(_ name: String) async throws -> String {
        try await cloudFormation.createStack(.init(
            stackName: name, templateBody: Self.template(),
            parameters: [.init(parameterKey: "ArtifactUri", parameterValue: "s3://b/p/")],
            capabilities: ["CAPABILITY_IAM"], tags: [.init(key: "managed-by", value: "prenv")]))
    }

    @Test func createPassesThroughInProgressAndReportsOutputsAndTags() async throws {
        try await LocalAWS.requireRunning()
        let name = LocalAWS.uniqueName("prenv-stack")
        let stackID = try await create(name)
        #expect(stackID.hasPrefix("arn:aws:cloudformation:"))
        let (stack, seen) = try await waitForTerminal(name)
        #expect(seen.contains("CREATE_IN_PROGRESS"))
        #expect(stack.stackStatus == "CREATE_COMPLETE")
        #expect(stack.stackId == stackID)
        #expect(stack.outputs.first?.outputKey == "SiteURL")
        #expect(stack.outputs.first?.outputValue.hasSuffix("s3://b/p/") == true)
        #expect(stack.tags.contains(.init(key: "managed-by", value: "prenv")))
        let events = try await cloudFormation.describeStackEvents(stackName: name)
        #expect(events.contains { $0.resourceStatus == "CREATE_COMPLETE" && $0.logicalResourceId == name })
    }

    @Test func updateWithoutChangesIsAValidationErrorCallersCanRecognise() async throws {
        try await LocalAWS.requireRunning()
        let name = LocalAWS.uniqueName("prenv-stack")
        _ = try await create(name)
        _ = try await waitForTerminal(name)
        let updatedID = try await cloudFormation.updateStack(.init(
            stackName: name, templateBody: Self.template(),
            parameters: [.init(parameterKey: "ArtifactUri", parameterValue: "s3://b/other/")]))
        #expect(!updatedID.isEmpty)
        let (stack, _) = try await waitForTerminal(name)
        #expect(stack.stackStatus == "UPDATE_COMPLETE")
    }

    @Test func injectedFailureReportsItsReasonInTheEvents() async throws {
        try await LocalAWS.requireRunning()
        let name = LocalAWS.uniqueName("prenv-stack")
        try await LocalAWS.admin("POST", "/_prenv/cloudformation/fail-stack",
                                 ["stack_name": name, "reason": "Bucket name already taken", "on": "create"])
        _ = try await create(name)
        let (stack, _) = try await waitForTerminal(name)
        #expect(stack.stackStatus == "ROLLBACK_COMPLETE")
        let events = try await cloudFormation.describeStackEvents(stackName: name)
        let failure = events.first { $0.resourceStatus == "CREATE_FAILED" }
        #expect(failure?.resourceStatusReason == "Bucket name already taken")
    }

    @Test func deleteEndsInDeleteCompleteAndMissingStacksAreNotFound() async throws {
        try await LocalAWS.requireRunning()
        let name = LocalAWS.uniqueName("prenv-stack")
        let stackID = try await create(name)
        _ = try await waitForTerminal(name)
        try await cloudFormation.deleteStack(stackName: name)
        let (stack, _) = try await waitForTerminal(stackID)
        #expect(stack.stackStatus == "DELETE_COMPLETE")
        let error = await #expect(throws: AWSError.self) { try await cloudFormation.describeStacks(stackName: LocalAWS.uniqueName("prenv-none")) }
        #expect(error?.code == "ValidationError")
        #expect(error?.isNotFound == true)
    }
}
