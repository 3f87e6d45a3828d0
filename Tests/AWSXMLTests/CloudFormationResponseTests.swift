import Foundation
import Testing
import AWSXML

/// The documented CloudFormation Query-protocol samples parse and yield the values prenv reads.
@Suite("CloudFormation responses")
struct CloudFormationResponseTests {
    static let namespace = "http://cloudformation.amazonaws.com/doc/2010-05-15/"

    @Test func everyWellFormedSampleParsesWithItsActionAsRoot() throws {
        let files = try Fixtures.files(in: "cloudformation")
        #expect(files.count >= 5)
        for file in files where !file.contains("malformed") {
            let root = try XMLDocument.parse(Fixtures.data("cloudformation/" + file))
            let action = String(file.prefix { $0 != "." })
            #expect(root.name == action + "Response", "\(file)")
            #expect(root.namespace == Self.namespace, "\(file)")
            #expect(root.string("ResponseMetadata", "RequestId")?.isEmpty == false, "\(file)")
        }
    }

    @Test func createStackGivesStackId() throws {
        let root = try XMLDocument.parse(Fixtures.data("cloudformation/CreateStack.response.xml"))
        #expect(root.string("CreateStackResult", "StackId")
            == "arn:aws:cloudformation:us-east-1:123456789:stack/MyStack/aaf549a0-a413-11df-adb3-5081b3858e83")
        #expect(root.string("ResponseMetadata", "RequestId") == "b9b4b068-3a41-11e5-94eb-example")
    }

    @Test func describeStacksGivesStatusAndOutputs() throws {
        let root = try XMLDocument.parse(Fixtures.data("cloudformation/DescribeStacks.response.xml"))
        let stacks = root.all("DescribeStacksResult", "Stacks", "member")
        #expect(stacks.count == 1)
        let stack = try #require(root.path("DescribeStacksResult", "Stacks", "member"))
        #expect(stack == stacks.first)
        #expect(stack.string("StackName") == "MyStack")
        #expect(stack.string("StackStatus") == "CREATE_COMPLETE")
        #expect(stack.string("DisableRollback") == "false")
        #expect(stack.string("CreationTime") == "2010-07-27T22:28:28Z")
        #expect(stack.string("StackStatusReason") == nil)
        let outputs = stack.all("Outputs", "member")
        #expect(outputs.map { $0.string("OutputKey") } == ["StartPage"])
        #expect(outputs.first?.string("OutputValue") == "http://my-load-balancer.amazonaws.com:80/index.html")
        #expect(stack.line == 4)
    }

    @Test func deleteStackHasOnlyResponseMetadata() throws {
        let root = try XMLDocument.parse(Fixtures.data("cloudformation/DeleteStack.response.xml"))
        #expect(root.children.map(\.name) == ["ResponseMetadata"])
        #expect(root.child("DeleteStackResult") == nil)
        #expect(root.string("ResponseMetadata", "RequestId") == "5ccc7dcd-744c-11e5-be70-example")
    }

    @Test func describeStackEventsGivesEventsAndReasons() throws {
        let root = try XMLDocument.parse(Fixtures.data("cloudformation/DescribeStackEvents.response.xml"))
        let events = root.all("DescribeStackEventsResult", "StackEvents", "member")
        #expect(events.count == 5)
        #expect(events.map { $0.string("LogicalResourceId") }
            == ["SampleStack", "MyEC2Instance", "MyEC2Instance", "MyEC2Instance", "SampleStack"])
        #expect(events.compactMap { $0.string("ResourceStatusReason") }
            == ["Resource creation Initiated", "User Initiated"])
        #expect(events.map { $0.string("ResourceStatus") }.first == "CREATE_COMPLETE")
        // `<PhysicalResourceId/>` is present but empty: "" rather than nil.
        #expect(events[3].string("PhysicalResourceId") == "")
        #expect(events[1].string("PhysicalResourceId") == "i-1abc23d4")
        #expect(events[1].string("ResourceProperties") == #"{"ImageId":ami-8fcee4e5",...}"#)
        #expect(events[4].string("EventId") == "edbf2ac0-eaef-11e5-adeb-500c28903236")
        #expect(events.allSatisfy { $0.namespace == Self.namespace })
    }

    @Test func verbatimMalformedSampleThrowsAtTheMismatchedTag() throws {
        let data = try Fixtures.data("cloudformation/DescribeStackEvents.response.verbatim-malformed.xml")
        let error = try #require(throws: XMLParseError.self) { try XMLDocument.parse(data) }
        #expect(error.line == 11)
        #expect(error.column > 0)
        #expect(error.message.contains("PhysicalResourceIdI"))
        #expect(error.message.contains("mismatch"))
        #expect(error.description.contains("line 11"))
    }
}
