import AWSCore
import AWSXML
import Foundation

/// AWS CloudFormation (Query protocol, XML via libxml2): only the operations prenv needs.
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
    public func createStack(_ input: StackInput) async throws(AWSError) -> String {
        let result = try await client.query(.cloudFormation, "CreateStack", input.queryParameters)
        return result.child("StackId")?.text ?? ""
    }

    /// UpdateStack; AWS answers "No updates are to be performed" as a ValidationError, which callers decide about.
    public func updateStack(_ input: StackInput) async throws(AWSError) -> String {
        let result = try await client.query(.cloudFormation, "UpdateStack", input.queryParameters)
        return result.child("StackId")?.text ?? ""
    }

    public func deleteStack(stackName: String, clientRequestToken: String? = nil) async throws(AWSError) {
        var query = AWSQueryParameters()
        query["StackName"] = stackName
        query["ClientRequestToken"] = clientRequestToken
        _ = try await client.query(.cloudFormation, "DeleteStack", query)
    }
}
