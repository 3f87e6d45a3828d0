import CoreMetrics
import Foundation

/// A metrics backend in memory: what each helper recorded, under the name and labels it used.
/// Passed to the helpers explicitly, so tests run in parallel without bootstrapping `MetricsSystem`.
final class RecordingFactory: MetricsFactory, @unchecked Sendable {
    enum Kind: Equatable { case counter, gauge, histogram, timer }

    struct Series: Hashable, CustomStringConvertible {
        var name: String
        var labels: [String]  // "key=value", in the order given
        var description: String { "\(name){\(labels.joined(separator: ","))}" }
    }

    private let lock = NSLock()
    private var values: [Series: [Double]] = [:]
    private var kinds: [String: Kind] = [:]

    func recorded(_ name: String, _ labels: [(String, String)] = []) -> [Double] {
        lock.withLock { values[Series(name: name, labels: labels.map { "\($0)=\($1)" })] ?? [] }
    }

    var series: [Series] { lock.withLock { Array(values.keys) } }

    func kind(of name: String) -> Kind? { lock.withLock { kinds[name] } }

    fileprivate func append(_ series: Series, _ kind: Kind, _ value: Double) {
        lock.withLock {
            kinds[series.name] = kind
            values[series, default: []].append(value)
        }
    }

    private func handler(_ label: String, _ dimensions: [(String, String)], _ kind: Kind) -> Handler {
        Handler(factory: self, series: Series(name: label, labels: dimensions.map { "\($0)=\($1)" }), kind: kind)
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { handler(label, dimensions, .counter) }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        handler(label, dimensions, aggregate ? .histogram : .gauge)
    }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { handler(label, dimensions, .timer) }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}

    final class Handler: CounterHandler, RecorderHandler, TimerHandler, @unchecked Sendable {
        let factory: RecordingFactory
        let series: Series
        let kind: Kind

        init(factory: RecordingFactory, series: Series, kind: Kind) {
            self.factory = factory
            self.series = series
            self.kind = kind
        }

        func increment(by amount: Int64) { factory.append(series, kind, Double(amount)) }
        func reset() {}
        func record(_ value: Int64) { factory.append(series, kind, Double(value)) }
        func record(_ value: Double) { factory.append(series, kind, value) }
        /// Seconds, as Prometheus shows durations.
        func recordNanoseconds(_ duration: Int64) { factory.append(series, kind, Double(duration) / 1e9) }
    }
}
