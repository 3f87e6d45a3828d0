import AWSCore
import AWSServices

/// Reading a stack's status and waiting for CloudFormation to finish an operation.
extension CloudFormationStackProvider {
    /// A stack as DescribeStacks shows it, or gone (unknown name, or `DELETE_COMPLETE` by id).
    enum Observed: Sendable {
        case stack(CloudFormation.Stack)
        case gone

        var stack: CloudFormation.Stack? {
            if case .stack(let stack) = self { return stack }
            return nil
        }
    }

    /// DescribeStacks for one name or stack id. `DELETE_COMPLETE` counts as gone: CloudFormation keeps
    /// deleted stacks visible by id for a while, and a name can be reused once its stack is deleted.
    func observe(_ nameOrID: String) async throws -> Observed {
        do {
            let stacks = try await cloudFormation.describeStacks(stackName: nameOrID)
            guard let stack = stacks.first, stack.stackStatus != "DELETE_COMPLETE" else { return .gone }
            return .stack(stack)
        } catch let error as AWSError where error.isNotFound {
            return .gone
        }
    }

    /// Polls the stack (by id) until its status no longer ends in `_IN_PROGRESS`, reporting every
    /// status change. `REVIEW_IN_PROGRESS` (a stack made by a change set never executed) is final too:
    /// it changes only when someone executes a change set.
    func waitForFinalStatus(_ stackID: String, name: String, progress: @Sendable (String) -> Void) async throws -> Observed {
        var lastStatus: String?
        return try await waiter.wait(kind: "stack", name: name, for: "a final status") { () async throws -> Observed? in
            try Task.checkCancellation()
            let observed = try await observe(stackID)
            guard let stack = observed.stack else {
                if lastStatus != nil { progress("stack \(name): deleted") }
                return .gone
            }
            if stack.stackStatus != lastStatus {
                lastStatus = stack.stackStatus
                progress(Self.statusLine(stack))
            }
            return Self.isInProgress(stack.stackStatus) ? nil : observed
        }
    }

    static func isInProgress(_ status: String) -> Bool {
        status.hasSuffix("_IN_PROGRESS") && status != "REVIEW_IN_PROGRESS"
    }

    /// "stack NAME: STATUS (reason)", the progress line for one status.
    static func statusLine(_ stack: CloudFormation.Stack) -> String {
        var line = "stack \(stack.stackName): \(stack.stackStatus)"
        if let reason = stack.stackStatusReason, !reason.isEmpty { line += " (\(reason))" }
        return line
    }
}
