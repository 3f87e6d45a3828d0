/// What stops a command before it does any work, said so a user can fix it: the lines to show
/// first (a blueprint's every problem, compiler-style), then one `error:` line. The commands print
/// it and exit 1; the wiring never prints, so tests can call it and read the reason.
public struct StartupError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Shown as they are, before the message (for instance `file:line:column: error: …`).
    public var diagnostics: [String]
    /// Shown as `error: <message>`.
    public var message: String

    public init(_ message: String, diagnostics: [String] = []) {
        self.message = message
        self.diagnostics = diagnostics
    }

    /// Every line, as printed to standard error.
    public var lines: [String] { diagnostics + ["error: \(message)"] }

    public var description: String { lines.joined(separator: "\n") }
}
