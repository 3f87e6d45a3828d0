import AWSCore
import Blueprint
import Orchestrator

/// One resource kind prenv can provision on AWS: what blueprints may write (`resource`: schema,
/// outputs, immutable properties, naming rules) and how its provider is built. Each provider folder
/// declares one; `ProviderKind.all` lists them once, so adding a type is one folder plus one line.
public struct ProviderKind: Sendable {
    public let resource: ResourceKind
    public let makeProvider: @Sendable (ProviderDependencies) -> any ResourceProvider
    /// How resources of this kind are found by their `prenv:instance` tag, for orphan hunting; nil
    /// for a kind that cannot be found (then `prenv gc` cannot guarantee it leaves none behind).
    public let makeDiscovery: (@Sendable (ProviderDependencies) -> any ResourceDiscovery)?

    public init(
        resource: ResourceKind, makeProvider: @escaping @Sendable (ProviderDependencies) -> any ResourceProvider,
        makeDiscovery: (@Sendable (ProviderDependencies) -> any ResourceDiscovery)? = nil
    ) {
        self.resource = resource
        self.makeProvider = makeProvider
        self.makeDiscovery = makeDiscovery
    }

    public var type: ResourceType { resource.type }
}

/// What every provider is built from: one AWS client for the whole process (its rate limits and
/// credentials are shared) and how long-running operations are polled. Providers are built once;
/// what a run reports goes through its `ApplyRequest`.
public struct ProviderDependencies: Sendable {
    public var client: AWSClient
    public var waiter: Waiter

    public init(client: AWSClient, waiter: Waiter = Waiter()) {
        self.client = client
        self.waiter = waiter
    }
}

extension [ProviderKind] {
    /// The kinds as the blueprint loader takes them.
    public var resourceKinds: ResourceKinds { ResourceKinds(map(\.resource)) }

    /// One provider per kind.
    public func makeProviders(_ dependencies: ProviderDependencies) -> [any ResourceProvider] {
        map { $0.makeProvider(dependencies) }
    }

    /// One discovery per kind that has one, in the kinds' order.
    public func makeDiscoveries(_ dependencies: ProviderDependencies) -> [any ResourceDiscovery] {
        compactMap { $0.makeDiscovery?(dependencies) }
    }
}
