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
    /// The prenv installation acting (`PRENV_INSTANCE`); nil for callers that predate instances
    /// (engine tests), which then neither tag nor check it.
    public var instance: String?
    /// Tags to put on every resource (manager, repository, PR, environment, instance, and per call the node).
    public var tags: [String: String]

    public init(envName: String, key: EnvironmentKey, headSHA: String, instance: String? = nil, tags: [String: String]? = nil) {
        self.envName = envName
        self.key = key
        self.headSHA = headSHA
        self.instance = instance
        self.tags = tags ?? Self.defaultTags(envName: envName, key: key, instance: instance)
    }

    /// `prenv:managed-by`, `prenv:repository`, `prenv:pr`, `prenv:blueprint`, `prenv:env`, and
    /// `prenv:instance` when an instance is set.
    public static func defaultTags(envName: String, key: EnvironmentKey, instance: String? = nil) -> [String: String] {
        var tags = [
            PrenvTag.managedBy: "prenv", PrenvTag.repository: key.repository, PrenvTag.pr: String(key.pr),
            PrenvTag.blueprint: key.blueprint, PrenvTag.environment: envName,
        ]
        if let instance { tags[PrenvTag.instance] = instance }
        return tags
    }

    /// The context for one node's provider call: the same tags plus `prenv:node` = the blueprint
    /// resource id, so an orphan found by tag can be put back in its blueprint's dependency order.
    public func forNode(_ id: String) -> ProvisionContext {
        var context = self
        context.tags[PrenvTag.node] = id
        return context
    }

    /// The context for destroying a resource found by its tags alone (no record): the environment,
    /// PR and instance the tags name. nil when they do not name a complete prenv environment
    /// (not `prenv:managed-by: prenv`, or env, repository, PR number or blueprint missing or
    /// malformed), so the caller cannot act on half a claim. The head SHA is unknown and empty:
    /// destroy never reads it.
    public init?(tags: [String: String]) {
        guard tags[PrenvTag.managedBy] == "prenv",
              let envName = tags[PrenvTag.environment], !envName.isEmpty,
              let repository = tags[PrenvTag.repository], !repository.isEmpty,
              let prText = tags[PrenvTag.pr], let pr = Int(prText), pr > 0,
              let blueprint = tags[PrenvTag.blueprint], !blueprint.isEmpty
        else { return nil }
        let instance = tags[PrenvTag.instance]
        self.init(envName: envName, key: EnvironmentKey(repository: repository, pr: pr, blueprint: blueprint), headSHA: "", instance: instance)
        if let node = tags[PrenvTag.node] { self.tags[PrenvTag.node] = node }
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
