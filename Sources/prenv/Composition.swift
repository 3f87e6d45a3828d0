import AWSCore
import HTTPTransport
import ArgumentParser
import Foundation
import Logging
import Orchestrator
import Providers

/// The composition root: AWS configuration from the environment, one provider per resource kind.
enum Composition {
    /// The resource kinds blueprints may use: every kind the providers ship.
    static let kinds = ProviderKind.all.resourceKinds

    static func awsClient(transport: any HTTPSender) throws -> AWSClient {
        do {
            var logger = Logger(label: "prenv.aws")
            logger.logLevel = .warning
            return try AWSEnvironment.resolve(transport: transport, logger: logger).makeClient(transport: transport, logger: logger)
        } catch {
            printToStandardError("error: \(error.message) (run `prenv doctor` to check the AWS setup)")
            throw ExitCode(1)
        }
    }

    static func providers(client: AWSClient, polling: PollingOptions, onStage: @escaping @Sendable (CodePipelineProvider.StageEvent) -> Void = { _ in }) -> [any ResourceProvider] {
        let interval = Duration.milliseconds(Int64(max(polling.pollInterval, 0.01) * 1000))
        let waiter = Waiter(initialInterval: interval, maxInterval: max(interval, .seconds(15)))
        return ProviderKind.all.makeProviders(ProviderDependencies(client: client, waiter: waiter, onStage: onStage))
    }
}
