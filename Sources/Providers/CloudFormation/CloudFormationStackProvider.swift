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
    public var type: ResourceType { .cloudFormationStack }
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

/// Bringing a stack to the desired template, parameters and capabilities.
extension CloudFormationStackProvider {
    /// Statuses of a failed first create: such a stack cannot be updated, only deleted and made again.
    static let failedCreateStatuses: Set<String> = ["ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED", "REVIEW_IN_PROGRESS"]

    /// Looks at what exists and creates, recreates, updates or leaves the stack. Goes round again when
    /// the stack changed under us (created between our describe and our create, or busy with another
    /// operation), a few times at most.
    func converge(_ desired: DesiredStack, request: ApplyRequest) async throws -> CloudFormation.Stack {
        var replaced: String?
        for _ in 0..<4 {
            try Task.checkCancellation()
            switch try await settled(desired.name, context: desired.context, progress: request.progress) {
            case .gone:
                if let stack = try await create(desired, replacing: replaced, progress: request.progress) { return stack }
            case .stack(let stack) where Self.failedCreateStatuses.contains(stack.stackStatus):
                request.progress("stack \(stack.stackName) is \(stack.stackStatus) after a failed create and cannot be updated; deleting it to create it again")
                try await deleteAndWait(stack, progress: request.progress)
                replaced = stack.stackId
            case .stack(let stack):
                if Self.isUnchanged(stack, request: request) { return stack }
                if let updated = try await update(desired, stack: stack, progress: request.progress) { return updated }
            }
        }
        throw ProviderError.failed(kind: "stack", name: desired.name, reason: "it kept changing while prenv applied it (is something else operating on it?)")
    }

    /// The stack by name once no operation is running on it; refuses a stack that is not ours.
    func settled(_ name: String, context: ProvisionContext, progress: @Sendable (String) -> Void) async throws -> Observed {
        guard let stack = try await observe(name).stack else { return .gone }
        try Self.requireOwned(stack, context: context)
        guard Self.isInProgress(stack.stackStatus) else { return .stack(stack) }
        progress("stack \(name) is \(stack.stackStatus); waiting for that to finish")
        return try await waitForFinalStatus(stack.stackId, name: name, progress: progress)
    }

    /// The record says this exact input was applied to this very stack and it is healthy: re-applying
    /// would only make CloudFormation answer "No updates are to be performed", so no write is sent.
    static func isUnchanged(_ stack: CloudFormation.Stack, request: ApplyRequest) -> Bool {
        guard let previous = request.previous, previous.status == .created, previous.properties == request.properties,
              previous.outputs["stack_id"] == stack.stackId else { return false }
        return stack.stackStatus == "CREATE_COMPLETE" || stack.stackStatus == "UPDATE_COMPLETE"
    }

    /// CreateStack and wait. `nil`: a stack of that name appeared meanwhile (look again).
    func create(_ desired: DesiredStack, replacing: String?, progress: @Sendable (String) -> Void) async throws -> CloudFormation.Stack? {
        progress("creating stack \(desired.name)")
        let stackID: String
        do {
            let input = desired.input(token: desired.createToken(replacing: replacing))
            stackID = try await cloudFormation.createStack(input)
        } catch let error as AWSError where error.code == "AlreadyExistsException" {
            return nil
        } catch let error as AWSError where error.code == "TokenAlreadyExistsException" {
            // The token was spent on an earlier stack of this name (deleted since): a new request after all.
            let input = desired.input()
            stackID = try await cloudFormation.createStack(input)
        }
        guard let stack = try await waitForFinalStatus(stackID, name: desired.name, progress: progress).stack else {
            throw ProviderError.failed(kind: "stack", name: desired.name, reason: "it was deleted while being created")
        }
        guard stack.stackStatus == "CREATE_COMPLETE" else { throw try await operationFailure(stack) }
        return stack
    }

    /// UpdateStack and wait. "No updates are to be performed" is success with nothing to wait for.
    /// `nil`: the stack is busy with another operation (look again).
    func update(_ desired: DesiredStack, stack: CloudFormation.Stack, progress: @Sendable (String) -> Void) async throws -> CloudFormation.Stack? {
        progress("updating stack \(desired.name)")
        do {
            let input = desired.input()
            _ = try await cloudFormation.updateStack(input)
        } catch let error as AWSError where error.code == "ValidationError" && error.message.contains("No updates are to be performed") {
            progress("stack \(desired.name) is already up to date")
            return stack
        } catch let error as AWSError where error.code == "ValidationError" && error.message.contains("_IN_PROGRESS state") {
            return nil
        }
        guard let updated = try await waitForFinalStatus(stack.stackId, name: desired.name, progress: progress).stack else {
            throw ProviderError.failed(kind: "stack", name: desired.name, reason: "it was deleted while being updated")
        }
        guard updated.stackStatus == "UPDATE_COMPLETE" else { throw try await operationFailure(updated) }
        return updated
    }

    static func requireOwned(_ stack: CloudFormation.Stack, context: ProvisionContext) throws {
        let tags = Dictionary(stack.tags.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        guard ManagedTags.isOwned(tags, by: context) else {
            throw ProviderError.foreignResource(kind: "stack", name: stack.stackName, detail: ManagedTags.ownershipDetail(tags, context: context))
        }
    }
}

/// Deleting a stack and waiting until CloudFormation says it is gone.
extension CloudFormationStackProvider {
    /// Deletes the stack `identifier` names (a stack id when recorded, else a name). Gone is success.
    func delete(identifier: String, context: ProvisionContext, progress: @escaping @Sendable (String) -> Void) async throws {
        guard var stack = try await observe(identifier).stack else {
            progress("stack \(identifier) is already deleted")
            return
        }
        try Self.requireOwned(stack, context: context)
        if Self.isInProgress(stack.stackStatus), stack.stackStatus != "DELETE_IN_PROGRESS" {
            // CloudFormation refuses to delete a stack in the middle of an update.
            progress("stack \(stack.stackName) is \(stack.stackStatus); waiting for that to finish before deleting it")
            guard let settled = try await waitForFinalStatus(stack.stackId, name: stack.stackName, progress: progress).stack else { return }
            stack = settled
        }
        try await deleteAndWait(stack, progress: progress)
    }

    /// DeleteStack by id (never a newer stack that reuses the name), then wait for `DELETE_COMPLETE`.
    /// A stack already `DELETE_IN_PROGRESS` is only waited for; a `DELETE_FAILED` one is deleted again.
    func deleteAndWait(_ stack: CloudFormation.Stack, progress: @Sendable (String) -> Void) async throws {
        if stack.stackStatus != "DELETE_IN_PROGRESS" {
            progress("deleting stack \(stack.stackName)")
            try await cloudFormation.deleteStack(stackName: stack.stackId)
        }
        guard let remaining = try await waitForFinalStatus(stack.stackId, name: stack.stackName, progress: progress).stack else { return }
        if remaining.stackStatus == "DELETE_FAILED" { throw try await deleteFailure(remaining) }
        throw ProviderError.failed(kind: "stack", name: stack.stackName, reason: "ended \(remaining.stackStatus) instead of being deleted")
    }
}
