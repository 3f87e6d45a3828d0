import CoreMetrics
import Prometheus
import Telemetry

/// The metrics backend `prenv serve` bootstraps: swift-prometheus behind the swift-metrics API,
/// with the histogram buckets `Telemetry` names per metric (the backend's default, 5 ms to 10 s,
/// would put every CloudFormation stack in `+Inf`).
public enum MetricsBackend {
    public static func prometheus(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = Telemetry.durationBuckets
        return factory
    }
}
