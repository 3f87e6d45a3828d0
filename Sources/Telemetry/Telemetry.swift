import CoreMetrics

/// Every metric prenv records, named in one place so `/metrics` and the README's list agree.
/// Modules record through these helpers; `MetricsSystem.bootstrap` (the composition root) decides
/// where the numbers go. Without a bootstrap they go nowhere, which is what unit tests get.
public enum Telemetry {}
