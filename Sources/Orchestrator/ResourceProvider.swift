import Blueprint

/// Creates, updates, adopts and deletes the resources of one type. The only way the engine reaches
/// a cloud: providers live in their own target so the engine stays testable without AWS.
public protocol ResourceProvider: Sendable {
    var type: ResourceType { get }

    /// Creates or updates one resource and reports its outputs.
    ///
    /// For `.create` with `request.previous` set, an earlier attempt may have left the resource half
    /// made (the record says `creating` or `failed`): find it and adopt it rather than failing on a
    /// name clash. Runs inside a task that is cancelled when the apply is superseded or the PR closes.
    func apply(_ request: ApplyRequest) async throws -> ApplyResult

    /// Deletes the resource `record` describes. Idempotent: a resource that is already gone is success.
    func destroy(_ record: NodeRecord, context: ProvisionContext, progress: @escaping @Sendable (String) -> Void) async throws

    /// What applying `properties` would do beyond the properties themselves, found with read-only
    /// calls, for `prenv plan --read-templates` (e.g. which actions of a template pipeline a clone
    /// keeps and drops). One line per fact; a refusal the apply would hit is a line too.
    func preview(_ properties: [String: RenderedValue]) async throws -> [String]
}

extension ResourceProvider {
    /// Most kinds have nothing to add to their properties.
    public func preview(_ properties: [String: RenderedValue]) async throws -> [String] { [] }
}

/// What a provider is asked to converge to.
public enum ApplyAction: Sendable, Hashable {
    case create
    /// `changed`: the property names whose values differ from `previous`.
    case update(changed: Set<String>)
}

/// Who the resource is for: names and tags every resource carries so orphans can be found by tag.
public struct ProvisionContext: Sendable, Hashable {
    public var envName: String
    public var key: EnvironmentKey
    public var headSHA: String
    /// Tags to put on every resource (manager, repository, PR, environment).
    public var tags: [String: String]

    public init(envName: String, key: EnvironmentKey, headSHA: String, tags: [String: String]? = nil) {
        self.envName = envName
        self.key = key
        self.headSHA = headSHA
        self.tags = tags ?? Self.defaultTags(envName: envName, key: key)
    }

    /// `prenv:managed-by`, `prenv:repository`, `prenv:pr`, `prenv:blueprint`, `prenv:env`.
    public static func defaultTags(envName: String, key: EnvironmentKey) -> [String: String] {
        [
            "prenv:managed-by": "prenv", "prenv:repository": key.repository, "prenv:pr": String(key.pr),
            "prenv:blueprint": key.blueprint, "prenv:env": envName,
        ]
    }
}

/// One call to `ResourceProvider.apply`.
public struct ApplyRequest: Sendable {
    public var nodeID: String
    public var action: ApplyAction
    /// Fully resolved (no `.unknown`).
    public var properties: [String: RenderedValue]
    /// The record before this call, if any: for updates, and for adopting after a crash.
    public var previous: NodeRecord?
    public var context: ProvisionContext
    /// A human-readable step ("waiting for stack CREATE_COMPLETE"); becomes a `ProgressEvent`.
    public var progress: @Sendable (String) -> Void
    /// A stage of a run this apply started changed state; becomes `ProgressEvent.stage`.
    public var stage: @Sendable (StageProgress) -> Void

    public init(
        nodeID: String, action: ApplyAction, properties: [String: RenderedValue], previous: NodeRecord?,
        context: ProvisionContext, progress: @escaping @Sendable (String) -> Void = { _ in },
        stage: @escaping @Sendable (StageProgress) -> Void = { _ in }
    ) {
        self.nodeID = nodeID
        self.action = action
        self.properties = properties
        self.previous = previous
        self.context = context
        self.progress = progress
        self.stage = stage
    }
}

/// What a provider reports once the resource is in place.
public struct ApplyResult: Sendable, Hashable {
    /// At least the kind's fixed outputs (`ResourceKind.outputs.fixed`); what dependents' references resolve to.
    public var outputs: [String: String]
    public var physicalName: String?

    public init(outputs: [String: String], physicalName: String? = nil) {
        self.outputs = outputs
        self.physicalName = physicalName
    }
}
