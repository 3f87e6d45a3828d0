import AWSServices
import Blueprint
import Orchestrator

/// What one apply asks CloudFormation for, read once from the resolved properties.
struct DesiredStack: Sendable {
    let name: String
    let templateBody: String
    let parameters: [CloudFormation.Parameter]
    let capabilities: [String]
    /// `role_arn`, sent on every CreateStack and UpdateStack: CloudFormation remembers the role a stack
    /// was last operated with, so an update without it would silently keep the old one.
    let roleARN: String?
    let tags: [CloudFormation.Tag]
    let context: ProvisionContext
    let nodeID: String

    init(_ request: ApplyRequest) throws {
        let properties = request.properties
        name = try properties.requiredString("stack_name")
        // Rendering puts the text of `template_file` here, so this is the only template property read.
        templateBody = try properties.requiredString("template_body")
        parameters = properties.stringMap("parameters").sorted { $0.key < $1.key }
            .map { CloudFormation.Parameter(parameterKey: $0.key, parameterValue: $0.value) }
        capabilities = properties.stringList("capabilities")
        roleARN = properties.string("role_arn").flatMap { $0.isEmpty ? nil : $0 }
        tags = ManagedTags.sorted(request.context.tags).map { CloudFormation.Tag(key: $0.key, value: $0.value) }
        context = request.context
        nodeID = request.nodeID
    }

    /// CreateStack/UpdateStack input; only CreateStack carries a token (see `createToken`).
    func input(token: String? = nil) -> CloudFormation.StackInput {
        CloudFormation.StackInput(
            stackName: name, templateBody: templateBody, parameters: parameters, capabilities: capabilities,
            tags: tags, clientRequestToken: token, roleARN: roleARN)
    }

    /// The same for every retry of one create of this node at this commit, so a CreateStack whose
    /// answer was lost and is sent again is recognised by CloudFormation as the same request.
    ///
    /// `replacing` (the id of a failed stack just deleted) keeps the token of the create that replaces
    /// it distinct from the one that failed. CloudFormation tokens: `[a-zA-Z][-a-zA-Z0-9]*`, ≤128.
    func createToken(replacing stackID: String?) -> String {
        let seed = [context.envName, nodeID, context.headSHA, stackID ?? ""].joined(separator: "\n")
        return "prenv-create-" + String(StableHash.fnv1a64(seed), radix: 16)
    }
}
