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

/// Why an operation failed, from the stack's events.
///
/// The stack's own status reason only says "The following resource(s) failed to create: [X]"; the
/// reason a user can act on is on the resource's `*_FAILED` event. Later failures are mostly echoes
/// ("Resource creation cancelled"), so the earliest failure of the current operation is the cause.
extension CloudFormationStackProvider {
    /// Stack-level statuses that begin an operation (the "User Initiated" event).
    static let operationStarts: Set<String> = ["CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS", "IMPORT_IN_PROGRESS"]

    /// The failure of a create or update (DescribeStackEvents, then `operationFailure(of:events:)`).
    func operationFailure(_ stack: CloudFormation.Stack) async throws -> ProviderError {
        Self.operationFailure(of: stack, events: try await events(of: stack))
    }

    /// The failure of a delete (DescribeStackEvents, then `deleteFailure(of:events:)`).
    func deleteFailure(_ stack: CloudFormation.Stack) async throws -> ProviderError {
        Self.deleteFailure(of: stack, events: try await events(of: stack))
    }

    func events(of stack: CloudFormation.Stack) async throws -> [CloudFormation.StackEvent] {
        try await cloudFormation.describeStackEvents(stackName: stack.stackId)
    }

    /// The events of the latest operation, oldest first, from `events` newest first (as AWS lists
    /// them): everything up to the newest stack-level event that starts an operation.
    static func currentOperation(_ events: [CloudFormation.StackEvent], of stack: CloudFormation.Stack) -> [CloudFormation.StackEvent] {
        var current: [CloudFormation.StackEvent] = []
        for event in events {
            current.append(event)
            if isStackLevel(event, of: stack), operationStarts.contains(event.resourceStatus ?? "") { break }
        }
        return current.reversed()
    }

    /// The earliest `*_FAILED` event of the current operation that gives a reason, with its resource.
    static func operationFailure(of stack: CloudFormation.Stack, events: [CloudFormation.StackEvent]) -> ProviderError {
        let cause = currentOperation(events, of: stack).first {
            ($0.resourceStatus ?? "").hasSuffix("_FAILED") && !($0.resourceStatusReason ?? "").isEmpty
        }
        var reason: String
        if let cause {
            reason = "\(resourceLabel(cause, of: stack)) \(cause.resourceStatus ?? ""): \(cause.resourceStatusReason ?? "")"
        } else {
            reason = stack.stackStatusReason ?? "no reason given"
        }
        reason += "; stack status \(stack.stackStatus)"
        return ProviderError.failed(kind: "stack", name: stack.stackName, reason: reason)
    }

    /// Every resource of the current operation that could not be deleted, with CloudFormation's reason.
    static func deleteFailure(of stack: CloudFormation.Stack, events: [CloudFormation.StackEvent]) -> ProviderError {
        let blocking = currentOperation(events, of: stack).filter { $0.resourceStatus == "DELETE_FAILED" && !isStackLevel($0, of: stack) }
        var reason = "DELETE_FAILED"
        if blocking.isEmpty {
            if let own = stack.stackStatusReason, !own.isEmpty { reason += ": \(own)" }
        } else {
            reason += "; blocked by " + blocking.map {
                "\(resourceLabel($0, of: stack)): \($0.resourceStatusReason ?? "no reason given")"
            }.joined(separator: "; ")
        }
        return ProviderError.failed(kind: "stack", name: stack.stackName, reason: reason)
    }

    /// The stack's own events carry its id as physical id (a nested stack is a resource with its own id).
    static func isStackLevel(_ event: CloudFormation.StackEvent, of stack: CloudFormation.Stack) -> Bool {
        event.physicalResourceId == stack.stackId
            || (event.resourceType == "AWS::CloudFormation::Stack" && event.logicalResourceId == stack.stackName)
    }

    /// "Site (AWS::S3::Bucket)", or "stack" for the stack itself.
    static func resourceLabel(_ event: CloudFormation.StackEvent, of stack: CloudFormation.Stack) -> String {
        if isStackLevel(event, of: stack) { return "stack" }
        let logical = event.logicalResourceId ?? "?"
        guard let type = event.resourceType, !type.isEmpty else { return logical }
        return "\(logical) (\(type))"
    }
}
