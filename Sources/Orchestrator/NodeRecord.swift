import Blueprint
import Foundation

/// Where one resource stands, as last written by the executor.
///
/// Written *before* a provider is called (`creating`, `updating`, `deleting`) and again after, so a
/// crash mid-call leaves evidence: the next apply hands the record to the provider to adopt from.
public enum NodeStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case creating, created, updating, deleting, deleted, failed
}

/// What the state store keeps for one resource: enough to update it, adopt it after a crash, and
/// destroy it without the blueprint (type, properties as applied, recorded dependencies).
public struct NodeRecord: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    public var type: ResourceType
    public var status: NodeStatus
    /// Properties as last sent to the provider (fully resolved).
    public var properties: [String: RenderedValue]
    /// Outputs the provider reported; what dependents' `${id.outputs.key}` resolve to.
    public var outputs: [String: String]
    /// Resolved dependencies at the last create/update: teardown order comes from here, never from
    /// today's blueprint.
    public var dependencies: Set<String>
    /// The AWS-side name, when the provider reports one (for orphan hunting and messages).
    public var physicalName: String?
    /// The last failure's description, for `status` output and commit statuses.
    public var lastError: String?
    public var updatedAt: Date

    public init(
        id: String, type: ResourceType, status: NodeStatus, properties: [String: RenderedValue] = [:],
        outputs: [String: String] = [:], dependencies: Set<String> = [], physicalName: String? = nil,
        lastError: String? = nil, updatedAt: Date
    ) {
        self.id = id
        self.type = type
        self.status = status
        self.properties = properties
        self.outputs = outputs
        self.dependencies = dependencies
        self.physicalName = physicalName
        self.lastError = lastError
        self.updatedAt = updatedAt
    }

    /// Whether the resource may exist in AWS (anything not known to be deleted).
    public var mayExist: Bool { status != .deleted }
}
