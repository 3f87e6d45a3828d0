import AWSCore
import Blueprint
import Orchestrator
import Providers

extension Composition {
    /// The resource kinds blueprints may use: every kind the providers ship (`ProviderKind.all`).
    public static let kinds = ProviderKind.all.resourceKinds

    /// One provider per kind over one AWS client; `up`, `down` and `serve` all take them from here.
    public static func providers(client: AWSClient, polling: Polling) -> [any ResourceProvider] {
        let interval = Duration.milliseconds(Int64(max(polling.pollInterval, 0.01) * 1000))
        let waiter = Waiter(initialInterval: interval, maxInterval: max(interval, .seconds(15)))
        return ProviderKind.all.makeProviders(ProviderDependencies(client: client, waiter: waiter))
    }
}
