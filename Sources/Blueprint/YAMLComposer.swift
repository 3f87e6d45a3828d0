import Yams

/// Turns blueprint text into a Yams `Node` tree (every node carries its line and column), converting
/// Yams' errors into diagnostics in the compiler format.
///
/// Yams rejects a mapping with a duplicate key as a whole, which would hide every other problem in
/// the file. So a duplicate is located in the text, reported, and renamed to a placeholder of the
/// same width (columns elsewhere stay exact); composing is retried and the decoder skips placeholders.
enum YAMLComposer {
    struct Result {
        var root: Node?
        var source: SourceText
        /// Placeholder keys standing for already-reported duplicates.
        var ignoredKeys: Set<String>
    }

    /// `nil` when the text is not YAML at all (the syntax error has been reported).
    static func compose(_ yaml: String, diagnostics: inout DiagnosticCollector) -> Result? {
        if case let .exceeds(position) = YAMLExpansion.count(yaml) {
            diagnostics.error(position, "the YAML stands for more than \(YAMLExpansion.defaultLimit) nodes once its aliases (`*name`) are followed; "
                + "refused unread, as an alias bomb would be")
            return nil
        }
        var text = yaml
        var ignored: Set<String> = []
        for attempt in 0..<200 {
            do {
                let root = try Yams.compose(yaml: text)
                return Result(root: root, source: SourceText(text), ignoredKeys: ignored)
            } catch let YamlError.duplicatedKeysInMapping(duplicates, context) {
                let key = duplicates.first ?? ""
                let source = SourceText(text)
                let first = SourcePosition(line: context.mark.line, column: context.mark.column)
                guard let duplicate = DuplicateKeyLocator.locate(key: key, after: first, in: source) else {
                    diagnostics.error(first, "duplicate key `\(key)`")
                    return nil
                }
                diagnostics.error(duplicate.location, "duplicate key `\(key)` (first defined at \(first))")
                let placeholder = placeholder(number: attempt, width: duplicate.width)
                ignored.insert(String(String.UnicodeScalarView(placeholder)))
                text = source.replacing(at: duplicate.location, count: duplicate.width, with: placeholder)
            } catch {
                report(error, yaml: text, diagnostics: &diagnostics)
                return nil
            }
        }
        diagnostics.error(.start, "too many duplicate keys")
        return nil
    }

    /// Private-use characters: valid in a plain YAML scalar, never typed by a person, and distinct
    /// per attempt so two placeholders never collide with each other.
    private static func placeholder(number: Int, width: Int) -> [Unicode.Scalar] {
        let first = Unicode.Scalar(0xE000 + UInt32(number)) ?? "\u{E000}"
        return [first] + Array(repeating: "\u{F8FF}", count: max(0, width - 1))
    }

    private static func report(_ error: any Error, yaml: String, diagnostics: inout DiagnosticCollector) {
        guard let error = error as? YamlError else {
            diagnostics.error(.start, "could not parse YAML: \(error)")
            return
        }
        switch error {
        case let .scanner(context, problem, mark, _),
             let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let while_ = context.map { " (\($0.text) at \($0.mark.line):\($0.mark.column))" } ?? ""
            diagnostics.error(SourcePosition(line: mark.line, column: mark.column), "YAML syntax error: \(problem)\(while_)")
        case let .reader(problem, offset, _, text):
            let location = offset.map { SourceText.location(ofCharacterOffset: $0, in: text) } ?? .start
            diagnostics.error(location, "YAML syntax error: \(problem)")
        default:
            diagnostics.error(.start, "could not parse YAML: \(error)")
        }
    }
}
