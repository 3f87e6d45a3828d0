import AWSCore
import Orchestrator
import Providers

extension Composition {
    /// Every resource type prenv can manage, one provider each, over one AWS client. The one list
    /// to extend when a resource kind is added; `up`, `down` and `serve` all take it from here.
    /// - Parameter onStage: told about each pipeline stage transition (for commit statuses).
    public static func providers(
        client: AWSClient, polling: Polling, onStage: @escaping @Sendable (CodePipelineProvider.StageEvent) -> Void = { _ in }
    ) -> [any ResourceProvider] {
        let interval = Duration.milliseconds(Int64(max(polling.pollInterval, 0.01) * 1000))
        let waiter = Waiter(initialInterval: interval, maxInterval: max(interval, .seconds(15)))
        return [
            S3PrefixProvider(client: client),
            CodeBuildProjectProvider(client: client),
            CodePipelineProvider(client: client, waiter: waiter, onStage: onStage),
            CloudFormationStackProvider(client: client, waiter: waiter),
        ]
    }
}
