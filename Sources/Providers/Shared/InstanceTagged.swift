import AWSCore
import AWSServices
import Blueprint
import Foundation
import Orchestrator

/// What the three tag-covered discoveries share: one Tagging API listing of a resource type,
/// filtered on `prenv:instance`, and the record a found resource is described by.
struct InstanceTagged: Sendable {
    let tagging: ResourceGroupsTagging
    /// GetResources page size; nil is AWS's default. Tests set it small to cover paging.
    var pageSize: Int?

    init(client: AWSClient, pageSize: Int? = nil) {
        tagging = ResourceGroupsTagging(client: client)
        self.pageSize = pageSize
    }

    /// Every resource of `resourceType` (`codepipeline:pipeline`, …) tagged `prenv:instance = instance`,
    /// except those a CloudFormation stack created (`StackMadeTags`): they carry the stack's
    /// `prenv:*` tags only because CloudFormation copies them, and the stack, not prenv, deletes them.
    /// Reporting one would have `gc` delete a live environment's stack contents, its `prenv:node`
    /// naming a node of another type (or a nested stack under a name the record does not know).
    /// `includingStackMade` keeps them, for a caller that only wants to know where to look.
    func find(_ resourceType: String, instance: String, includingStackMade: Bool = false) async throws -> [ResourceGroupsTagging.ResourceTagMapping] {
        let mappings = try await tagging.getResources(
            resourceTypeFilters: [resourceType], tagFilters: [.init(key: PrenvTag.instance, values: [instance])], resourcesPerPage: pageSize)
        return includingStackMade ? mappings : mappings.filter { !StackMadeTags.madeByStack($0.tags) }
    }

    /// The record a found resource would have: `created`, its id the `prenv:node` tag (else the
    /// physical name), and what the provider's `destroy` reads. `updatedAt` is the creation time
    /// when AWS gave one (nothing has updated the record: there is none), else the epoch.
    static func node(
        type: ResourceType, tags: [String: String], physicalName: String, properties: [String: RenderedValue],
        outputs: [String: String], createdAt: Date?
    ) -> NodeRecord {
        NodeRecord(id: tags[PrenvTag.node] ?? physicalName, type: type, status: .created, properties: properties, outputs: outputs,
                   physicalName: physicalName, updatedAt: createdAt ?? Date(timeIntervalSince1970: 0))
    }

    /// The last `:`-separated field of an ARN (`arn:aws:codepipeline:region:account:NAME`), or what
    /// follows `resourcePrefix` in it (`project/NAME`); nil when the ARN does not have that shape.
    static func resourceName(of arn: String, after resourcePrefix: String = "") -> String? {
        let fields = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard fields.count == 6, fields[0] == "arn" else { return nil }
        let resource = String(fields[5])
        guard resource.hasPrefix(resourcePrefix) else { return nil }
        let name = String(resource.dropFirst(resourcePrefix.count))
        return name.isEmpty ? nil : name
    }
}
