import Orchestrator
import Testing

@testable import AWSServices
@testable import Providers

/// Failure reasons from event histories shaped like real AWS ones (the local endpoint emits one
/// failing resource only): the earliest failure of the latest operation is the cause.
@Suite struct CloudFormationStackProviderEventsTests {
    static let stackID = "arn:aws:cloudformation:us-east-1:123456789012:stack/pr-7-site/6f1c"

    static func stack(_ status: String, reason: String? = nil) -> CloudFormation.Stack {
        CloudFormation.Stack(stackId: stackID, stackName: "pr-7-site", stackStatus: status, stackStatusReason: reason, outputs: [], tags: [])
    }

    /// Events oldest first, as written here; returned newest first, as DescribeStackEvents lists them.
    /// `nil` logical id: the stack itself.
    static func events(_ rows: [(logical: String?, type: String, status: String, reason: String?)]) -> [CloudFormation.StackEvent] {
        rows.enumerated().map { index, row in
            CloudFormation.StackEvent(
                eventId: "e\(index)", logicalResourceId: row.logical ?? "pr-7-site",
                physicalResourceId: row.logical == nil ? stackID : "phys-\(row.logical ?? "")",
                resourceType: row.logical == nil ? "AWS::CloudFormation::Stack" : row.type, resourceStatus: row.status,
                resourceStatusReason: row.reason, timestamp: "2026-01-01T00:00:0\(index)Z")
        }.reversed()
    }

    @Test func createFailureIsTheFirstResourceToFailNotTheCancellationsAfterIt() {
        let history = Self.events([
            (nil, "", "CREATE_IN_PROGRESS", "User Initiated"),
            ("Role", "AWS::IAM::Role", "CREATE_IN_PROGRESS", nil),
            ("Bucket", "AWS::S3::Bucket", "CREATE_IN_PROGRESS", nil),
            ("Bucket", "AWS::S3::Bucket", "CREATE_FAILED", "pr-7-site already exists"),
            ("Role", "AWS::IAM::Role", "CREATE_FAILED", "Resource creation cancelled"),
            (nil, "", "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [Bucket, Role]. Rollback requested by user."),
            ("Bucket", "AWS::S3::Bucket", "DELETE_COMPLETE", nil),
            (nil, "", "ROLLBACK_COMPLETE", nil),
        ])
        let error = CloudFormationStackProvider.operationFailure(of: Self.stack("ROLLBACK_COMPLETE"), events: history)
        #expect(error.description == "stack pr-7-site failed: Bucket (AWS::S3::Bucket) CREATE_FAILED: pr-7-site already exists; stack status ROLLBACK_COMPLETE")
    }

    @Test func updateFailureIgnoresFailuresOfEarlierOperations() {
        let history = Self.events([
            (nil, "", "CREATE_IN_PROGRESS", "User Initiated"),
            ("Queue", "AWS::SQS::Queue", "CREATE_FAILED", "an old failure"),
            (nil, "", "UPDATE_IN_PROGRESS", "User Initiated"),
            ("Bucket", "AWS::S3::Bucket", "UPDATE_FAILED", "Access Denied"),
            (nil, "", "UPDATE_ROLLBACK_IN_PROGRESS", "The following resource(s) failed to update: [Bucket]."),
            ("Bucket", "AWS::S3::Bucket", "UPDATE_FAILED", "a later failure during rollback"),
            (nil, "", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", nil),
            (nil, "", "UPDATE_ROLLBACK_COMPLETE", nil),
        ])
        let error = CloudFormationStackProvider.operationFailure(of: Self.stack("UPDATE_ROLLBACK_COMPLETE"), events: history)
        #expect(error == .failed(kind: "stack", name: "pr-7-site", reason: "Bucket (AWS::S3::Bucket) UPDATE_FAILED: Access Denied; stack status UPDATE_ROLLBACK_COMPLETE"))
    }

    @Test func withoutAFailedResourceTheStacksOwnReasonIsReported() {
        let history = Self.events([
            (nil, "", "CREATE_IN_PROGRESS", "User Initiated"),
            (nil, "", "ROLLBACK_IN_PROGRESS", "Parameter validation failed: parameter value x does not exist"),
            (nil, "", "ROLLBACK_COMPLETE", nil),
        ])
        let stack = Self.stack("ROLLBACK_COMPLETE", reason: "Parameter validation failed: parameter value x does not exist")
        let error = CloudFormationStackProvider.operationFailure(of: stack, events: history)
        #expect(error == .failed(kind: "stack", name: "pr-7-site", reason: "Parameter validation failed: parameter value x does not exist; stack status ROLLBACK_COMPLETE"))
    }

    @Test func deleteFailureNamesEveryBlockingResourceOfTheLatestDelete() {
        let history = Self.events([
            (nil, "", "DELETE_IN_PROGRESS", "User Initiated"),
            ("Old", "AWS::S3::Bucket", "DELETE_FAILED", "from the previous attempt"),
            (nil, "", "DELETE_FAILED", "The following resource(s) failed to delete: [Old]. "),
            (nil, "", "DELETE_IN_PROGRESS", "User Initiated"),
            ("Bucket", "AWS::S3::Bucket", "DELETE_FAILED", "The bucket you tried to delete is not empty"),
            ("Queue", "AWS::SQS::Queue", "DELETE_FAILED", "Access Denied"),
            (nil, "", "DELETE_FAILED", "The following resource(s) failed to delete: [Bucket, Queue]. "),
        ])
        let error = CloudFormationStackProvider.deleteFailure(of: Self.stack("DELETE_FAILED"), events: history)
        #expect(error.description == "stack pr-7-site failed: DELETE_FAILED; blocked by Bucket (AWS::S3::Bucket): The bucket you tried to delete is not empty; Queue (AWS::SQS::Queue): Access Denied")
    }

    @Test func deleteFailureWithoutResourceEventsFallsBackToTheStackReason() {
        let stack = Self.stack("DELETE_FAILED", reason: "Stack pr-7-site has termination protection enabled")
        let error = CloudFormationStackProvider.deleteFailure(of: stack, events: [])
        #expect(error.description == "stack pr-7-site failed: DELETE_FAILED: Stack pr-7-site has termination protection enabled")
    }

    @Test func clientRequestTokenIsStablePerCommitAndValidForCloudFormation() throws {
        let context = ProvisionContext(envName: "webapp-pr7", key: .init(repository: "acme/webapp", pr: 7, blueprint: "webapp"), headSHA: "0123abcd")
        let request = ApplyRequest(nodeID: "site", action: .create, properties: ["stack_name": .string("s"), "template_body": .string("{}")], previous: nil, context: context)
        let desired = try DesiredStack(request)
        let token = desired.createToken(replacing: nil)
        #expect(token == desired.createToken(replacing: nil))
        #expect(token != desired.createToken(replacing: Self.stackID))
        var nextCommit = request
        nextCommit.context.headSHA = "4567ef01"
        #expect(try DesiredStack(nextCommit).createToken(replacing: nil) != token)
        #expect(token.count <= 128)
        #expect(token.wholeMatch(of: /[a-zA-Z][-a-zA-Z0-9]*/) != nil)
    }
}
