/// Accumulates the problems of one file while decoding and validation carry on past each of them.
struct DiagnosticCollector {
    let file: String
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String) {
        self.file = file
    }

    mutating func error(_ location: SourcePosition, _ message: String) {
        diagnostics.append(Diagnostic(file: file, location: location, message: message, severity: .error))
    }

    mutating func warning(_ location: SourcePosition, _ message: String) {
        diagnostics.append(Diagnostic(file: file, location: location, message: message, severity: .warning))
    }

    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// Diagnostics ordered by position; problems at the same position keep the order they were found in.
    var sorted: [Diagnostic] {
        diagnostics.enumerated()
            .sorted { ($0.element.location, $0.offset) < ($1.element.location, $1.offset) }
            .map(\.element)
    }
}
