/// The blueprint's text split into lines of Unicode scalars, the unit libyaml counts columns in.
///
/// Used to point diagnostics at the exact `${` inside a scalar and to find duplicate keys, which the
/// YAML composer reports only by name.
struct SourceText: Sendable {
    let lines: [[Unicode.Scalar]]

    init(_ text: String) {
        var lines: [[Unicode.Scalar]] = [[]]
        for scalar in text.unicodeScalars {
            if scalar == "\n" { lines.append([]) } else { lines[lines.count - 1].append(scalar) }
        }
        self.lines = lines
    }

    /// The scalars of 1-based `line`, or an empty array past the end.
    func line(_ number: Int) -> [Unicode.Scalar] {
        number >= 1 && number <= lines.count ? lines[number - 1] : []
    }

    /// Whether `text` appears verbatim at `location`.
    func has(_ text: String, at location: SourcePosition) -> Bool {
        let scalars = line(location.line)
        let start = location.column - 1
        let wanted = Array(text.unicodeScalars)
        guard start >= 0, start + wanted.count <= scalars.count else { return false }
        return Array(scalars[start..<(start + wanted.count)]) == wanted
    }

    /// Rebuilds the text with `count` scalars at `location` replaced by `replacement`.
    func replacing(at location: SourcePosition, count: Int, with replacement: [Unicode.Scalar]) -> String {
        var result = String.UnicodeScalarView()
        for (index, line) in lines.enumerated() {
            if index > 0 { result.append("\n") }
            if index + 1 == location.line {
                let start = location.column - 1
                result.append(contentsOf: line[..<start])
                result.append(contentsOf: replacement)
                result.append(contentsOf: line[(start + count)...])
            } else {
                result.append(contentsOf: line)
            }
        }
        return String(result)
    }

    /// The 1-based position of the `offset`-th character (as `YamlError.reader` reports it).
    static func location(ofCharacterOffset offset: Int, in text: String) -> SourcePosition {
        var line = 1, column = 1
        for character in text.prefix(offset) {
            if character == "\n" || character == "\r\n" { line += 1; column = 1 } else { column += 1 }
        }
        return SourcePosition(line: line, column: column)
    }
}
