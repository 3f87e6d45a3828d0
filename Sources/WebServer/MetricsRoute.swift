import Hummingbird
import Logging

/// What `GET /metrics` serves: the composition root's metrics registry as Prometheus text, with the
/// gauges sampled from the state refreshed first. Closures, so this target needs no metrics backend:
/// the composition root chooses it (swift-prometheus) and bootstraps it.
public struct MetricsExposition: Sendable {
    /// Refreshes the sampled gauges (environments per state, inbox depth). A failure is logged and
    /// the scrape still answered, with those gauges as last sampled: the counters are worth having
    /// while the store is down, and the scrape's success is how Prometheus knows prenv is up.
    let sample: @Sendable () async throws -> Void
    /// The exposition in Prometheus text format 0.0.4.
    let render: @Sendable () -> [UInt8]

    public init(sample: @escaping @Sendable () async throws -> Void = {}, render: @escaping @Sendable () -> [UInt8]) {
        self.sample = sample
        self.render = render
    }

    /// The content type Prometheus asks for and parses as the text format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}

extension PrenvRouter {
    /// `GET /metrics`, under the same rule as `/api/*` (`APIAccess`): a counter of webhooks by outcome
    /// says how busy each kind of PR traffic is, which is for the operator. Prometheus sends the
    /// bearer token with `authorization: {credentials: …}` in its scrape config (README, "Metrics").
    static func addMetrics(_ metrics: MetricsExposition, to router: Router<BasicRequestContext>, access: APIAccess, logger: Logger) {
        router.group("/metrics").add(middleware: APIAccessMiddleware(access: access)).get { _, _ -> Response in
            do {
                try await metrics.sample()
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                logger.warning("GET /metrics: could not sample the state; serving the gauges as last sampled", metadata: ["error": "\(error)"])
            }
            return Response(
                status: .ok, headers: [.contentType: MetricsExposition.contentType],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
    }
}
