/// A `[header]` block exactly as written; profile/prefix rules are applied later by `AWSSharedConfig`.
struct RawSection: Sendable {
    var header: String
    var location: ConfigLocation
    /// Lower-cased key → property; a later duplicate replaces an earlier one, as in the SDKs.
    var properties: [String: ConfigProperty] = [:]
}

/// The line-level grammar shared by `~/.aws/config` and `~/.aws/credentials`, following the AWS SDKs' profile-file spec:
/// `#`/`;` comment lines, `[section]` headers (trailing comments allowed), `key = value` (a `#`/`;` after whitespace
/// starts a comment), indented continuation lines, and sub-properties under an empty value.
///
/// Errors quote the file and line but never the line's text, because that text may be a secret key.
enum ProfileFileParser {
    static func parse(_ text: String, path: String) throws -> [RawSection] {
        var sections: [RawSection] = []
        var currentKey: String?
        var lineNumber = 0
        // "\r\n" is a single Character in Swift, so it has to be named as a separator of its own.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            if lineNumber == 1, line.first == "\u{FEFF}" { line = line.dropFirst() }
            let location = ConfigLocation(path: path, line: lineNumber)
            let trimmed = line.trimmingBlanks()
            if trimmed.isEmpty || trimmed.first == "#" || trimmed.first == ";" { continue }

            if line.first == "[" {
                let header = stripComment(line, needsWhitespace: false)
                guard header.hasSuffix("]") else { throw malformed(location, "section header must end with ']'") }
                let name = header.dropFirst().dropLast().trimmingBlanks()
                guard !name.isEmpty else { throw malformed(location, "empty section header '[]'") }
                sections.append(RawSection(header: String(name), location: location))
                currentKey = nil
            } else if line.first == " " || line.first == "\t" {
                guard let last = sections.indices.last else { throw malformed(location, "expected a [section] header before this line") }
                guard let key = currentKey, var property = sections[last].properties[key] else {
                    throw malformed(location, "indented line does not continue a setting")
                }
                if property.value.isEmpty {
                    // Sub-property block (`s3 =` followed by indented `name = value` lines).
                    let (subKey, subValue) = try splitSetting(stripComment(trimmed, needsWhitespace: true), location, what: "sub-setting")
                    property.subProperties[subKey] = subValue
                } else {
                    property.value += "\n" + trimmed
                }
                sections[last].properties[key] = property
            } else {
                guard let last = sections.indices.last else { throw malformed(location, "expected a [section] header before the first setting") }
                let (key, value) = try splitSetting(stripComment(trimmed, needsWhitespace: true), location, what: "setting")
                sections[last].properties[key] = ConfigProperty(value: value, location: location)
                currentKey = key
            }
        }
        return sections
    }

    /// Splits `name = value` at the first `=`; names are case-insensitive, so they are lower-cased here.
    private static func splitSetting(_ text: Substring, _ location: ConfigLocation, what: String) throws -> (String, String) {
        guard let equals = text.firstIndex(of: "=") else { throw malformed(location, "expected 'name = value' \(what)") }
        let key = text[..<equals].trimmingBlanks()
        guard !key.isEmpty else { throw malformed(location, "\(what) has no name before '='") }
        return (key.lowercased(), String(text[text.index(after: equals)...].trimmingBlanks()))
    }

    /// Cuts a trailing `#`/`;` comment. In values a comment must follow whitespace so `a=b#c` keeps its `#`.
    private static func stripComment(_ line: Substring, needsWhitespace: Bool) -> Substring {
        var previousIsBlank = false
        for index in line.indices {
            let character = line[index]
            if (character == "#" || character == ";") && (previousIsBlank || !needsWhitespace) {
                return line[..<index].trimmingBlanks()
            }
            previousIsBlank = character == " " || character == "\t"
        }
        return line.trimmingBlanks()
    }

    private static func malformed(_ location: ConfigLocation, _ message: String) -> CredentialError {
        CredentialError(.invalidConfiguration, provider: "shared config", "malformed line: \(message)", location: location.description)
    }
}

extension Substring {
    /// Trims spaces and tabs only: the profile-file spec treats other characters as content.
    func trimmingBlanks() -> Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isBlank($0) }), let end = lastIndex(where: { !isBlank($0) }) else { return "" }
        return self[start...end]
    }
}
