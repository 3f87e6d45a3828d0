import AWSCore
import AWSServices
import Orchestrator

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
