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
        guard let match else { return .orphan(.environmentDestroyed) }
        return .recorded(key, node: match.id)
    }

    /// Different only when both are known and differ (a record written before the provider reported
    /// a name still accounts for the resource).
    static func samePhysicalName(_ node: NodeRecord, _ resource: DiscoveredResource) -> Bool {
        guard let recorded = node.physicalName, let found = resource.node.physicalName else { return true }
        return recorded == found
    }
}
