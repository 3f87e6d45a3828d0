import AWSCore
import AWSXML
import Foundation

/// AWS CloudFormation (Query protocol, XML via libxml2): only the operations prenv needs.
/// Every call throws what `AWSClient.send` throws: `AWSError`, or `CancellationError` when cancelled.
public struct CloudFormation: Sendable {
    public let client: AWSClient
    public init(client: AWSClient) { self.client = client }

    public struct Parameter: Sendable, Hashable {
        public var parameterKey: String
        public var parameterValue: String
        public init(parameterKey: String, parameterValue: String) { self.parameterKey = parameterKey; self.parameterValue = parameterValue }
    }

    public struct Tag: Sendable, Hashable {
        public var key: String
        public var value: String
        public init(key: String, value: String) { self.key = key; self.value = value }
    }

    /// Inputs shared by CreateStack and UpdateStack (member names as in the AWS model).
    public struct StackInput: Sendable, Equatable {
        public var stackName: String
        public var templateBody: String?
        public var templateURL: String?
        public var parameters: [Parameter] = []
        public var capabilities: [String] = []
        public var tags: [Tag] = []
        public var clientRequestToken: String?
        /// The service role CloudFormation acts as for this stack's resources (instead of the caller's
        /// credentials), so the caller needs only `iam:PassRole` on it, not the resources' permissions.
        public var roleARN: String?

        public init(stackName: String, templateBody: String? = nil, templateURL: String? = nil, parameters: [Parameter] = [],
                    capabilities: [String] = [], tags: [Tag] = [], clientRequestToken: String? = nil, roleARN: String? = nil) {
            self.stackName = stackName
            self.templateBody = templateBody
            self.templateURL = templateURL
            self.parameters = parameters
            self.capabilities = capabilities
            self.tags = tags
            self.clientRequestToken = clientRequestToken
            self.roleARN = roleARN
        }

        var queryParameters: AWSQueryParameters {
            var query = AWSQueryParameters()
            query["StackName"] = stackName
            query["TemplateBody"] = templateBody
            query["TemplateURL"] = templateURL
            query.setStructures("Parameters", parameters.map { [("ParameterKey", $0.parameterKey), ("ParameterValue", $0.parameterValue)] })
            query.setList("Capabilities", capabilities)
            query.setStructures("Tags", tags.map { [("Key", $0.key), ("Value", $0.value)] })
            query["ClientRequestToken"] = clientRequestToken
            query["RoleARN"] = roleARN
            return query
        }
    }

    /// CreateStack; returns the StackId.
    public func createStack(_ input: StackInput) async throws -> String {
        let result = try await client.query(.cloudFormation, "CreateStack", input.queryParameters)
        return result.child("StackId")?.text ?? ""
    }

    /// UpdateStack; AWS answers "No updates are to be performed" as a ValidationError, which callers decide about.
    public func updateStack(_ input: StackInput) async throws -> String {
        let result = try await client.query(.cloudFormation, "UpdateStack", input.queryParameters)
        return result.child("StackId")?.text ?? ""
    }

    public func deleteStack(stackName: String, clientRequestToken: String? = nil) async throws {
        var query = AWSQueryParameters()
        query["StackName"] = stackName
        query["ClientRequestToken"] = clientRequestToken
        _ = try await client.query(.cloudFormation, "DeleteStack", query)
    }
}

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
        /// `CreationTime`: when the stack was made (orphan hunting spares young ones).
        public var creationTime: Date? = nil
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
    public func describeStacks(stackName: String) async throws -> [Stack] {
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
    public func describeStackEvents(stackName: String) async throws -> [StackEvent] {
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

    /// The `NextToken` of a Query response page, if there is another page.
    public static func token(_ result: XMLElement) -> String? {
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
            },
            creationTime: (member.child("CreationTime")?.text).flatMap { XMLTimestamp.parse($0) })
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
