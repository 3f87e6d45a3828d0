import AWSCore
import AWSServices
import Blueprint
import Foundation
import Orchestrator

/// Finds the stacks an instance tagged (Tagging API, `cloudformation:stack`; the ARN is the stack
/// id), each described once (DescribeStacks by id) for its creation time, name, status and
/// outputs. A `DELETE_COMPLETE` stack is gone, whatever the listing still says, and is left out. A
/// describe that fails other than with not-found skips that stack (`SkippedEntry`).
public struct CloudFormationStackDiscovery: ResourceDiscovery {
    public var type: ResourceType { .cloudFormationStack }
    let tagged: InstanceTagged
    let cloudFormation: CloudFormation

    public init(client: AWSClient, pageSize: Int? = nil) {
        tagged = InstanceTagged(client: client, pageSize: pageSize)
        cloudFormation = CloudFormation(client: client)
    }

    public func discover(_ query: DiscoveryQuery) async throws -> DiscoveryResult {
        var result = DiscoveryResult()
        for mapping in try await tagged.find("cloudformation:stack", instance: query.instance) {
            let stacks: [CloudFormation.Stack]
            do {
                stacks = try await cloudFormation.describeStacks(stackName: mapping.resourceARN)
            } catch let error as AWSError where error.isNotFound {
                continue
            } catch let error as CancellationError {
                throw error
            } catch {
                result.skipped.append(SkippedEntry(identifier: mapping.resourceARN, reason: "cannot describe the stack: \(error)"))
                continue
            }
            guard let stack = stacks.first, stack.stackStatus != "DELETE_COMPLETE" else { continue }
            // As `CloudFormationStackProvider.apply` reports it: the stack name, every output plus
            // `stack_id`, which destroy deletes by (never a newer stack reusing the name).
            let node = InstanceTagged.node(
                type: type, tags: mapping.tags, physicalName: stack.stackName, properties: ["stack_name": .string(stack.stackName)],
                outputs: CloudFormationStackProvider.outputs(of: stack), createdAt: stack.creationTime)
            result.resources.append(DiscoveredResource(type: type, identifier: stack.stackId, tags: mapping.tags, createdAt: stack.creationTime, node: node))
        }
        return result
    }
}
