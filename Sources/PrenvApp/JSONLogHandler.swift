import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Orchestrator
import Synchronization

/// `prenv serve --log-format json`: one JSON object per line, for log systems that parse lines
/// (CloudWatch Logs Insights, Loki, Elasticsearch) rather than read them.
///
/// Fields, in this order: `time` (RFC 3339, milliseconds, UTC), `level`, `message`, `logger` (the
/// logger's label); then, where the line is about them, `delivery` (the `X-GitHub-Delivery` id),
/// `repository`, `pr` (a number), `blueprint` and `resource`, from the task's `LogContext` (through
/// the metadata provider, which wins) or the line's own metadata; then every other metadata entry as
/// a string field, in key order. A `pr` that is not a number (some lines say `owner/name#5`) goes
/// out as `pr_ref`, so `pr` has one type in every line and an index keeps one mapping for it.
///
/// Every line is valid JSON whatever it carries: messages and metadata hold text PR authors control
/// (branch names, titles, what a build printed), so control characters, quotes and backslashes are
/// escaped, U+2028/U+2029 too (JavaScript-based readers split lines there), text that was not valid
/// UTF-8 reached Swift already repaired to U+FFFD, and each string is bounded so no one field can
/// swamp the log. Lines are written whole, one `write` each under a lock, so lines of concurrent
/// tasks never interleave.
public struct JSONLogHandler: LogHandler {
    /// Longest message kept, in UTF-8 bytes; the rest is replaced by a note of how much was cut.
    static let maxMessageBytes = 8 * 1024
    /// Longest metadata value or key kept, in UTF-8 bytes.
    static let maxValueBytes = 2 * 1024
    /// The fields named after the core ones, in this order.
    static let contextFields = ["delivery", "repository", "pr", "blueprint", "resource"]

    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let output: LogLineOutput
    let now: @Sendable () -> Date

    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil, output: LogLineOutput = .standardError,
                now: @escaping @Sendable () -> Date = Date.init) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.output = output
        self.now = now
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        // The handler's, then the line's own; the task's context wins for its fields (it is typed:
        // `pr` a number), and a line's own value that says otherwise is kept beside it.
        var merged = metadata
        if let own = event.metadata { merged.merge(own) { $1 } }
        for (key, value) in metadataProvider?.get() ?? [:] {
            if let own = merged[key], Self.text(own) != Self.text(value) { merged[key == "pr" ? "pr_ref" : "meta_" + key] = own }
            merged[key] = value
        }
        output.write(line(time: now(), level: event.level, message: event.message.description, metadata: merged))
    }

    /// The line for one record, newline included.
    func line(time: Date, level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        var json = "{"
        json += #""time":"# + Self.quoted(Self.timestamp(time), limit: 64)
        json += #","level":"# + Self.quoted(level.rawValue, limit: 16)
        json += #","message":"# + Self.quoted(message, limit: Self.maxMessageBytes)
        json += #","logger":"# + Self.quoted(label, limit: Self.maxValueBytes)
        var rest = metadata
        for field in Self.contextFields {
            guard let value = rest.removeValue(forKey: field) else { continue }
            let text = Self.text(value)
            if field == "pr" {
                if let number = Int(text) {
                    json += #","pr":\#(number)"#
                } else {
                    rest["pr_ref"] = .string(text)
                }
                continue
            }
            json += "," + Self.quoted(field, limit: 32) + ":" + Self.quoted(text, limit: Self.maxValueBytes)
        }
        let reserved: Set<String> = ["time", "level", "message", "logger"]
        for key in rest.keys.sorted() {
            guard let value = rest[key] else { continue }
            // A line's own key that would repeat a core field is renamed rather than dropped.
            let name = reserved.contains(key) || Self.contextFields.contains(key) ? "meta_" + key : key
            json += "," + Self.quoted(name, limit: Self.maxValueBytes) + ":" + Self.quoted(Self.text(value), limit: Self.maxValueBytes)
        }
        json += "}\n"
        return json
    }

    /// A metadata value as text: strings as they are, lists and dictionaries as swift-log prints them.
    static func text(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        default: value.description
        }
    }

    /// `2026-12-02T11:07:38.123Z`.
    static func timestamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(milliseconds.quotientAndRemainder(dividingBy: 1000).quotient)
        var fraction = milliseconds % 1000
        if fraction < 0 {
            fraction += 1000
            seconds -= 1
        }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(fraction))
    }

    /// `text` as a JSON string literal, cut (on a character boundary) after `limit` UTF-8 bytes.
    static func quoted(_ text: String, limit: Int) -> String {
        var body = text
        if text.utf8.count > limit {
            var kept = 0
            var end = text.startIndex
            for index in text.indices {
                let size = text[index].utf8.count
                guard kept + size <= limit else { break }
                kept += size
                end = text.index(after: index)
            }
            body = String(text[..<end]) + "…[\(text.utf8.count - kept) more bytes]"
        }
        var out = "\""
        out.reserveCapacity(body.utf8.count + 2)
        for scalar in body.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{2028}", "\u{2029}", "\u{7F}":
                out += String(format: "\\u%04x", scalar.value)
            case _ where scalar.value < 0x20:
                out += String(format: "\\u%04x", scalar.value)
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// Where log lines go: each line in one `write(2)`, under a lock shared by every logger writing to
/// the same place, so concurrent lines never interleave (a pipe keeps writes up to `PIPE_BUF` whole
/// on its own, but a line can be longer, and a file gives no such promise).
public final class LogLineOutput: Sendable {
    private let lock = Mutex(())
    private let sink: @Sendable (String) -> Void

    public init(_ sink: @escaping @Sendable (String) -> Void) { self.sink = sink }

    public func write(_ line: String) {
        lock.withLock { _ in sink(line) }
    }

    /// Standard error, as `StreamLogHandler.standardError` writes the text format.
    public static let standardError = LogLineOutput { writeWhole($0, to: STDERR_FILENO) }
}

/// One `write(2)` for the line (more only if the kernel takes part of it, as a full pipe can).
private func writeWhole(_ line: String, to descriptor: Int32) {
    let bytes = Array(line.utf8)
    bytes.withUnsafeBytes { buffer in
        guard let base = buffer.baseAddress else { return }
        var offset = 0
        while offset < buffer.count {
            let written = write(descriptor, base + offset, buffer.count - offset)
            if written > 0 {
                offset += written
            } else if written < 0, errno == EINTR {
                continue
            } else {
                return  // stderr closed: nothing to tell it
            }
        }
    }
}

/// `--log-format`: the text lines of swift-log's `StreamLogHandler`, or `JSONLogHandler`'s objects.
public enum LogFormat: String, Sendable, CaseIterable {
    case text
    case json

    /// A handler for `label` at `level`, with `LogContext`'s fields through `metadataProvider`.
    public func handler(label: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider?) -> any LogHandler {
        switch self {
        case .text:
            var handler = StreamLogHandler.standardError(label: label, metadataProvider: metadataProvider)
            handler.logLevel = level
            return handler
        case .json:
            var handler = JSONLogHandler(label: label, metadataProvider: metadataProvider)
            handler.logLevel = level
            return handler
        }
    }
}

extension LogContext {
    /// The task's `LogContext` as metadata: bootstrap it (`LoggingSystem.bootstrap(_:metadataProvider:)`)
    /// and every logger in every module adds it to its lines, without knowing the type.
    public static let metadataProvider = Logger.MetadataProvider {
        guard let context = LogContext.current else { return [:] }
        var metadata: Logger.Metadata = [:]
        if let delivery = context.delivery { metadata["delivery"] = .string(delivery) }
        if let repository = context.repository { metadata["repository"] = .string(repository) }
        if let pullRequest = context.pullRequest { metadata["pr"] = .stringConvertible(pullRequest) }
        if let blueprint = context.blueprint { metadata["blueprint"] = .string(blueprint) }
        if let resource = context.resource { metadata["resource"] = .string(resource) }
        return metadata
    }
}
