import AWSCore
import AWSServices
import Orchestrator

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
            throw ProviderError.foreignResource(kind: "stack", name: stack.stackName, detail: ManagedTags.ownershipDetail(tags))
        }
    }
}
