/// A 1-based position in a blueprint file, as libyaml reports it (columns count Unicode scalars).
///
/// Line 0 means "no position" (the problem concerns the whole file, e.g. it cannot be read).
public struct SourcePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// The start of the file, where whole-document problems are reported.
    public static let start = SourcePosition(line: 1, column: 1)
    /// No position at all (the file could not be read).
    public static let none = SourcePosition(line: 0, column: 0)

    public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }

    /// `LINE:COLUMN`
    public var description: String { "\(line):\(column)" }
}

/// One problem found in a blueprint, printed the way compilers print theirs so that editors and
/// CI log viewers turn it into a clickable link.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    public var file: String
    public var line: Int
    public var column: Int
    public var message: String
    public var severity: Severity

    public init(file: String, line: Int, column: Int, message: String, severity: Severity = .error) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.severity = severity
    }

    public init(file: String, location: SourcePosition, message: String, severity: Severity = .error) {
        self.init(file: file, line: location.line, column: location.column, message: message, severity: severity)
    }

    public var location: SourcePosition { SourcePosition(line: line, column: column) }

    /// `path/to/file.yaml:LINE:COLUMN: error: message` (or `path: error: message` without a position).
    public var description: String {
        line > 0
            ? "\(file):\(line):\(column): \(severity.rawValue): \(message)"
            : "\(file): \(severity.rawValue): \(message)"
    }
}

/// Every problem found in one or more blueprints, sorted by file and position.
///
/// Thrown as a whole so that a user fixes all their mistakes in one round trip instead of one per run.
public struct BlueprintErrors: Error, Sendable, Equatable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    /// One diagnostic per line, in the compiler format.
    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}

/// Accumulates the problems of one file while decoding and validation carry on past each of them.
struct DiagnosticCollector {
    let file: String
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String) {
        self.file = file
    }

    /// At most this many problems are kept per file, each message cut to `maxMessageScalars`: a
    /// file's text reaches the messages (a value quoted), and YAML aliases can repeat one long value
    /// thousands of times, so without bounds a small file could make gigabytes of diagnostics.
    static let maxDiagnostics = 200
    static let maxMessageScalars = 2_000

    mutating func error(_ location: SourcePosition, _ message: String) {
        append(Diagnostic(file: file, location: location, message: Self.bounded(message), severity: .error))
    }

    mutating func warning(_ location: SourcePosition, _ message: String) {
        append(Diagnostic(file: file, location: location, message: Self.bounded(message), severity: .warning))
    }

    private mutating func append(_ diagnostic: Diagnostic) {
        if diagnostics.count < Self.maxDiagnostics {
            diagnostics.append(diagnostic)
        } else if diagnostics.count == Self.maxDiagnostics, diagnostic.severity == .error {
            diagnostics.append(Diagnostic(file: file, location: diagnostic.location, message: "more problems follow; fix these first",
                                          severity: .error))
        }
    }

    static func bounded(_ message: String) -> String {
        let scalars = message.unicodeScalars
        guard scalars.count > maxMessageScalars else { return message }
        return String(String.UnicodeScalarView(scalars.prefix(maxMessageScalars))) + "…"
    }

    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// Diagnostics ordered by position; problems at the same position keep the order they were found in.
    var sorted: [Diagnostic] {
        diagnostics.enumerated()
            .sorted { ($0.element.location, $0.offset) < ($1.element.location, $1.offset) }
            .map(\.element)
    }
}
