/// Finds the second occurrence of a mapping key, given the first one's position.
///
/// Yams reports a duplicate key only by name and the first occurrence's mark. Block mappings (the
/// normal blueprint style) are searched line by line at the first key's indentation; flow mappings
/// (`{ a: 1, a: 2 }`) are searched forward at the same bracket depth.
enum DuplicateKeyLocator {
    struct Match: Equatable {
        var location: SourcePosition
        /// Scalars the key token spans, quotes included.
        var width: Int
    }

    static func locate(key: String, after first: SourcePosition, in source: SourceText) -> Match? {
        let firstLine = source.line(first.line)
        let before = firstLine.prefix(max(0, first.column - 1)).filter { $0 != " " && $0 != "\t" }
        if let last = before.last, last == "{" || last == "," {
            return locateInFlow(key: key, after: first, in: source)
        }
        return locateInBlock(key: key, after: first, in: source)
    }

    /// The spellings a key may have in the text.
    private static func tokens(for key: String) -> [[Unicode.Scalar]] {
        [key, "\"\(key)\"", "'\(key)'"].map { Array($0.unicodeScalars) }
    }

    /// Whether `line[start...]` holds one of `tokens` followed by optional blanks and a `:`.
    private static func keyWidth(in line: [Unicode.Scalar], at start: Int, tokens: [[Unicode.Scalar]]) -> Int? {
        for token in tokens where start + token.count <= line.count && Array(line[start..<(start + token.count)]) == token {
            var index = start + token.count
            while index < line.count, line[index] == " " || line[index] == "\t" { index += 1 }
            if index < line.count, line[index] == ":" { return token.count }
        }
        return nil
    }

    private static func locateInBlock(key: String, after first: SourcePosition, in source: SourceText) -> Match? {
        let indent = first.column - 1
        let tokens = tokens(for: key)
        var number = first.line + 1
        while number <= source.lines.count {
            let line = source.line(number)
            let leading = line.prefix { $0 == " " }.count
            let isBlank = leading == line.count || line[leading] == "#"
            if !isBlank {
                if leading < indent { return nil }
                if leading == indent, let width = keyWidth(in: line, at: indent, tokens: tokens) {
                    return Match(location: SourcePosition(line: number, column: indent + 1), width: width)
                }
            }
            number += 1
        }
        return nil
    }

    private static func locateInFlow(key: String, after first: SourcePosition, in source: SourceText) -> Match? {
        let tokens = tokens(for: key)
        var depth = 0
        var number = first.line
        var column = first.column + 1  // 1-based; start inside the first key so it never matches itself
        var previous: Unicode.Scalar = "x"
        while number <= source.lines.count {
            let line = source.line(number)
            while column - 1 < line.count {
                let scalar = line[column - 1]
                switch scalar {
                case "{", "[": depth += 1
                case "}", "]":
                    depth -= 1
                    if depth < 0 { return nil }
                default:
                    if depth == 0, previous == "," || previous == "{",
                       let width = keyWidth(in: line, at: column - 1, tokens: tokens) {
                        return Match(location: SourcePosition(line: number, column: column), width: width)
                    }
                }
                if scalar != " " && scalar != "\t" { previous = scalar }
                column += 1
            }
            number += 1
            column = 1
        }
        return nil
    }
}
