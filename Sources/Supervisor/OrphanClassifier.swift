import Foundation
import Orchestrator

/// Decides, from the records alone, whether a discovered resource is accounted for. Pure: the
/// GitHub question (is the PR closed?) is asked afterwards, only about resources a live record holds.
public enum OrphanClassifier {
    public enum Verdict: Sendable, Hashable {
        /// A live node of a live record is this resource: not an orphan (unless its PR is closed).
        case recorded(EnvironmentKey, node: String)
        case orphan(OrphanReason)
    }

    /// Matches by (repository, pr, blueprint) from the tags, then `prenv:env` against the record's
    /// `envName`, then the `prenv:node` tag (or, without one, the physical name) against a node that
    /// may exist. A node that matches by id but names a different physical resource is a replaced
    /// one, so it does not account for this resource.
    ///
    /// Except for what a live node made (`madeByLiveNode`): CloudFormation copies a stack's tags,
    /// `prenv:node` included, onto everything the stack creates, so a project, bucket or nested
    /// stack can name a live node that is not it. The discoveries leave such resources out already
    /// (they carry `aws:cloudformation:` tags); this is the second layer, because calling them
    /// orphans would have the sweep delete a live environment's stack contents.
    public static func classify(_ resource: DiscoveredResource, records: [EnvironmentKey: EnvironmentRecord]) -> Verdict {
        let tagged = TaggedEnvironment(tags: resource.tags)
        guard let key = tagged.key, let record = records[key] else { return .orphan(.noEnvironment) }
        guard record.state != .destroyed, tagged.envName == record.envName else { return .orphan(.environmentDestroyed) }
        let live = record.nodes.values.filter { $0.mayExist && $0.type == resource.type }
        let match = live.sorted { $0.id < $1.id }.first { node in
            if let id = tagged.node {
                return node.id == id && samePhysicalName(node, resource)
            }
            return node.physicalName != nil && node.physicalName == resource.node.physicalName
        }
        if let match { return .recorded(key, node: match.id) }
        if let maker = madeByLiveNode(resource, nodeID: tagged.node, record: record) { return .recorded(key, node: maker.id) }
        return .orphan(.environmentDestroyed)
    }

    /// The live node whose id the resource's `prenv:node` tag names, when the resource cannot be
    /// that node itself yet is accounted for by it: its type differs (a stack's project or bucket
    /// carries the stack's node id), or it is of the same type but a stack made it (a nested stack
    /// under its own name). Either way the node's resource made it and deleting that deletes it.
    /// A same-type resource under another name *without* stack tags stays an orphan: prenv made it
    /// itself, for a node that has since been replaced.
    static func madeByLiveNode(_ resource: DiscoveredResource, nodeID: String?, record: EnvironmentRecord) -> NodeRecord? {
        guard let nodeID, let node = record.nodes[nodeID], node.mayExist else { return nil }
        guard node.type != resource.type || StackMadeTags.madeByStack(resource.tags) else { return nil }
        return node
    }

    /// Different only when both are known and differ (a record written before the provider reported
    /// a name still accounts for the resource).
    static func samePhysicalName(_ node: NodeRecord, _ resource: DiscoveredResource) -> Bool {
        guard let recorded = node.physicalName, let found = resource.node.physicalName else { return true }
        return recorded == found
    }
}
