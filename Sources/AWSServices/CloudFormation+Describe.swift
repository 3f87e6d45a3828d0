import AWSCore
import AWSXML
import Foundation

extension CloudFormation {
    public struct Output: Sendable, Hashable {
        public var outputKey: String
        public var outputValue: String
    }

    public struct Stack: Sendable, Equatable {
        public var stackId: String
        public var stackName: String
        public var stackStatus: String
        public var stackStatusReason: String?
        public var outputs: [Output]
        public var tags: [Tag]
    }

    public struct StackEvent: Sendable, Equatable {
        public var eventId: String
        public var logicalResourceId: String?
        public var physicalResourceId: String?
        public var resourceType: String?
        public var resourceStatus: String?
        public var resourceStatusReason: String?
        public var timestamp: String?
    }

    /// DescribeStacks for one stack name or id, following pages.
    public func describeStacks(stackName: String) async throws(AWSError) -> [Stack] {
        var stacks: [Stack] = []
        var nextToken: String?
        repeat {
            var query = AWSQueryParameters()
            query["StackName"] = stackName
            query["NextToken"] = nextToken
            let result = try await client.query(.cloudFormation, "DescribeStacks", query)
            stacks += (result.child("Stacks")?.children("member") ?? []).map(Self.stack(from:))
            nextToken = Self.token(result)
        } while nextToken != nil
        return stacks
    }

    /// DescribeStackEvents over every page, newest first as AWS returns them.
    public func describeStackEvents(stackName: String) async throws(AWSError) -> [StackEvent] {
        var events: [StackEvent] = []
        var nextToken: String?
        repeat {
            var query = AWSQueryParameters()
            query["StackName"] = stackName
            query["NextToken"] = nextToken
            let result = try await client.query(.cloudFormation, "DescribeStackEvents", query)
            events += (result.child("StackEvents")?.children("member") ?? []).map(Self.event(from:))
            nextToken = Self.token(result)
        } while nextToken != nil
        return events
    }

    static func token(_ result: XMLElement) -> String? {
        guard let text = result.child("NextToken")?.text, !text.isEmpty else { return nil }
        return text
    }

    static func stack(from member: XMLElement) -> Stack {
        Stack(
            stackId: member.child("StackId")?.text ?? "",
            stackName: member.child("StackName")?.text ?? "",
            stackStatus: member.child("StackStatus")?.text ?? "",
            stackStatusReason: member.child("StackStatusReason")?.text,
            outputs: (member.child("Outputs")?.children("member") ?? []).map {
                Output(outputKey: $0.child("OutputKey")?.text ?? "", outputValue: $0.child("OutputValue")?.text ?? "")
            },
            tags: (member.child("Tags")?.children("member") ?? []).map {
                Tag(key: $0.child("Key")?.text ?? "", value: $0.child("Value")?.text ?? "")
            })
    }

    static func event(from member: XMLElement) -> StackEvent {
        StackEvent(
            eventId: member.child("EventId")?.text ?? "",
            logicalResourceId: member.child("LogicalResourceId")?.text,
            physicalResourceId: member.child("PhysicalResourceId")?.text,
            resourceType: member.child("ResourceType")?.text,
            resourceStatus: member.child("ResourceStatus")?.text,
            resourceStatusReason: member.child("ResourceStatusReason")?.text,
            timestamp: member.child("Timestamp")?.text)
    }
}
