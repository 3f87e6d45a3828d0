import Foundation
import Logging

/// Every line logged through `logger()`, as `level message metadata`, so tests can assert what an
/// operator would read (and that no secret is in it). One helper for every test target.
public final class CapturedLogs: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String] = []

    public init() {}

    public func append(_ entry: String) { lock.withLock { entries.append(entry) } }
    public var all: [String] { lock.withLock { entries } }
    public var joined: String { all.joined(separator: "\n") }

    /// A logger at `.trace` whose lines land here.
    public func logger(label: String = "test") -> Logger {
        var logger = Logger(label: label) { _ in Handler(sink: self) }
        logger.logLevel = .trace
        return logger
    }

    struct Handler: LogHandler {
        let sink: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
            sink.append("\(event.level) \(event.message)" + (merged.isEmpty ? "" : " \(merged)"))
        }
    }
}
