import AWSCore
import AWSServices
import Blueprint
import Orchestrator

/// `aws/cloudformation-stack`: one CloudFormation stack per node, created from the template text the
/// blueprint renders into `template_body`.
///
/// Every operation waits for the stack to reach a final status (CloudFormation works asynchronously),
/// reports each status change as progress, and explains failures with the reason CloudFormation gave
/// for the first resource that failed, because the stack's own status reason only names resources.
/// Only stacks tagged for this environment are ever updated or deleted.
public struct CloudFormationStackProvider: ResourceProvider {
    public let type = ResourceType.cloudFormationStack
    let cloudFormation: CloudFormation
    let waiter: Waiter

    public init(client: AWSClient, waiter: Waiter = Waiter()) {
        self.cloudFormation = CloudFormation(client: client)
        self.waiter = waiter
    }

    /// Creates the stack, or adopts and updates the one that exists (ours only); see `converge`.
    public func apply(_ request: ApplyRequest) async throws -> ApplyResult {
        let desired = try DesiredStack(request)
        let stack = try await converge(desired, request: request)
        return ApplyResult(outputs: Self.outputs(of: stack), physicalName: stack.stackName)
    }

    /// Deletes the recorded stack (ours only) and waits until CloudFormation says it is gone.
    public func destroy(_ record: NodeRecord, context: ProvisionContext, progress: @escaping @Sendable (String) -> Void) async throws {
        let identifier = record.outputs["stack_id"] ?? record.physicalName ?? record.properties.string("stack_name")
        guard let identifier, !identifier.isEmpty else {
            throw ProviderError.invalidProperty(property: "stack_name", reason: "the record names no stack to delete")
        }
        try await delete(identifier: identifier, context: context, progress: progress)
    }

    /// Every stack output by its key, plus `stack_id` (what dependents' `${node.outputs.*}` resolve to).
    static func outputs(of stack: CloudFormation.Stack) -> [String: String] {
        var outputs: [String: String] = [:]
        for output in stack.outputs where !output.outputKey.isEmpty {
            outputs[output.outputKey] = output.outputValue
        }
        outputs["stack_id"] = stack.stackId
        return outputs
    }
}
