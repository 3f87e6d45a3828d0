import Blueprint
import Foundation

/// The tag keys prenv puts on everything it creates. Orphan hunting reads them back from AWS, so
/// they are a contract with resources already out there: never renamed, only added to.
public enum PrenvTag {
    public static let managedBy = "prenv:managed-by"
    /// Which prenv installation made the resource (`PRENV_INSTANCE`): two instances sharing an AWS
    /// account never touch each other's resources.
    public static let instance = "prenv:instance"
    public static let repository = "prenv:repository"
    public static let pr = "prenv:pr"
    public static let blueprint = "prenv:blueprint"
    /// `env.name` of the environment the resource belongs to.
    public static let environment = "prenv:env"
    /// The blueprint resource id the resource was made for, so an orphan can be deleted in its
    /// blueprint's reverse dependency order even without a record.
    public static let node = "prenv:node"
}

/// The tags AWS CloudFormation puts on everything a stack creates (`aws:cloudformation:stack-id`,
/// `stack-name`, `logical-id`), nested stacks included; no one else can write an `aws:` tag.
///
/// Why prenv reads them: CloudFormation also copies the stack's own tags, every `prenv:*` one, onto
/// what it creates, so a project, bucket or nested stack a prenv stack made looks like prenv's own
/// resource, its `prenv:node` naming the stack's node. It is not: the stack owns it, and deleting
/// the stack deletes it. prenv's top-level stacks carry none of these tags.
public enum StackMadeTags {
    public static let prefix = "aws:cloudformation:"

    /// True when a CloudFormation stack created the resource carrying `tags`.
    public static func madeByStack(_ tags: [String: String]) -> Bool {
        tags.keys.contains { $0.hasPrefix(prefix) }
    }
}

/// A resource found in AWS by its `prenv:instance` tag, whatever the state store says: what
/// `prenv gc` and `prenv serve`'s sweep compare with the records.
public struct DiscoveredResource: Sendable, Hashable, Codable {
    public var type: ResourceType
    /// The ARN, or `s3://bucket/prefix` for a prefix: what reports name; unique per account.
    public var identifier: String
    /// Every tag the resource carries (for a prefix: its marker's).
    public var tags: [String: String]
    /// When AWS says the resource was made (a prefix: its marker last written); nil when unknown.
    /// `--older-than` spares younger resources, which may still be on their way into a record.
    public var createdAt: Date?
    /// The resource as a record would describe it: what the provider's `destroy` needs
    /// (`physicalName`, properties, outputs). Its `id` is the `prenv:node` tag when present.
    public var node: NodeRecord

    public init(type: ResourceType, identifier: String, tags: [String: String], createdAt: Date?, node: NodeRecord) {
        self.type = type
        self.identifier = identifier
        self.tags = tags
        self.createdAt = createdAt
        self.node = node
    }
}

/// What a discovery is asked: the instance whose resources to find, and what prenv knows about
/// where to look, for kinds AWS's tagging API does not cover (an S3 prefix lives in a bucket
/// named by blueprints and records).
public struct DiscoveryQuery: Sendable {
    public var instance: String
    /// Every node of every record in the state store.
    public var recordedNodes: [NodeRecord]
    /// Every resource of every loaded blueprint.
    public var blueprintResources: [ResourceSpec]

    public init(instance: String, recordedNodes: [NodeRecord] = [], blueprintResources: [ResourceSpec] = []) {
        self.instance = instance
        self.recordedNodes = recordedNodes
        self.blueprintResources = blueprintResources
    }
}

/// One entry a discovery saw but could not read (a marker whose GetObject was denied, a bucket that
/// could not be listed, a describe that failed other than with not-found), so it cannot say whether
/// a resource of its type is there.
public struct SkippedEntry: Sendable, Hashable, Codable {
    /// What could not be read: an ARN, `s3://bucket/key`, `s3://bucket/` for a whole bucket. It may
    /// come from a pull request's build (a key): escape it before showing it.
    public var identifier: String
    /// Why: AWS's error (its code and message), as the client described it.
    public var reason: String

    public init(identifier: String, reason: String) {
        self.identifier = identifier
        self.reason = reason
    }
}

/// What one discovery saw: the resources it found and the entries it could not read.
///
/// Why skipped entries are not just dropped: a list missing an unreadable entry looks complete, and
/// the sweep would then delete what that unseen resource may depend on. Why they are not an error
/// for the whole type: one unreadable entry would then keep every orphan of the type in place for
/// good. So the sweep deletes what was found, but spares dependencies as for a failed discovery.
public struct DiscoveryResult: Sendable, Hashable {
    public var resources: [DiscoveredResource]
    public var skipped: [SkippedEntry]

    public init(resources: [DiscoveredResource] = [], skipped: [SkippedEntry] = []) {
        self.resources = resources
        self.skipped = skipped
    }

    /// True when every entry was read: the resources are all there is of the type.
    public var isComplete: Bool { skipped.isEmpty }
}

/// Finds every resource of one type tagged for an instance: the Resource Groups Tagging API where
/// it covers the type, the service's own listing where it does not. Read-only.
///
/// Throws when the type as a whole cannot be listed (the Tagging API failing); one entry that
/// cannot be read is a `SkippedEntry` instead, and not-found means the entry is gone (neither).
/// A `CancellationError` is always thrown as it was raised.
public protocol ResourceDiscovery: Sendable {
    var type: ResourceType { get }
    func discover(_ query: DiscoveryQuery) async throws -> DiscoveryResult
}
